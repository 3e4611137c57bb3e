import Glibc

/// The instruction-set extensions of the CPU this process runs on, read from the `flags` line
/// of `/proc/cpuinfo`.
public struct CPUFeatures: Sendable, Hashable {
    /// `shlx`/`shrx`/`sarx` and friends.
    public var hasBMI2: Bool
    /// `movbe`: a load that swaps the bytes on the way.
    public var hasMOVBE: Bool

    public init(hasBMI2: Bool, hasMOVBE: Bool = false) {
        self.hasBMI2 = hasBMI2
        self.hasMOVBE = hasMOVBE
    }

    /// The features of the running CPU (none if `/proc/cpuinfo` cannot be read).
    public static let current: CPUFeatures = {
        let flags = Self.cpuinfoFlags()
        return CPUFeatures(hasBMI2: flags.contains("bmi2"), hasMOVBE: flags.contains("movbe"))
    }()

    /// The words of the first `flags` line of `/proc/cpuinfo`.
    private static func cpuinfoFlags() -> Set<Substring> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                guard let colon = text.firstIndex(of: ":") else { return [] }
                return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }))
            }
        }
        return []
    }
}
