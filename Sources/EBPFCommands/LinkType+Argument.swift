import ArgumentParser
import ClassicBPF

/// `--linktype`: a `LINKTYPE_*` number or one of the common names (libpcap's `DLT_` names, lower case).
extension LinkType: ExpressibleByArgument {
    static let names: [(name: String, type: LinkType)] = [
        ("ethernet", .ethernet), ("en10mb", .ethernet), ("null", .null), ("raw", .raw), ("linux-sll", .linuxCooked),
        ("linux_sll", .linuxCooked), ("ipv4", .ipv4), ("ipv6", .ipv6),
    ]

    public init?(argument: String) {
        let lower = argument.lowercased()
        if let entry = Self.names.first(where: { $0.name == lower }) {
            self = entry.type
        } else if let number = UInt32(lower) {
            self.init(rawValue: number)
        } else {
            return nil
        }
    }

    public var defaultValueDescription: String {
        Self.names.first { $0.type == self }?.name ?? String(rawValue)
    }

    public static var allValueStrings: [String] { names.map(\.name) + ["NUMBER"] }
}
