#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The CPUs the runtime pretends to have, for per-CPU maps (``PerCPUMap``) and
/// `bpf_get_smp_processor_id`.
///
/// A per-CPU map keeps ``possibleCPUs`` values per key (read when the map is created); a program
/// sees the slot of the thread's ``current`` CPU, which is 0 unless set with
/// ``withCurrentCPU(_:_:)`` (programs run where Swift runs them, so which "CPU" a run is on is
/// the caller's choice, not the scheduler's).
public enum PerCPU {
    private static let configured = Atomic<Int>(0)

    /// The kernel's `num_possible_cpus()` on this machine (`/sys/devices/system/cpu/possible`,
    /// else the configured processor count), at least 1.
    public static let machinePossibleCPUs: Int = {
        if let text = readSmallFile("/sys/devices/system/cpu/possible"), let count = parseCPUList(text) {
            return count
        }
        return max(Int(sysconf(Int32(_SC_NPROCESSORS_CONF))), 1)
    }()

    /// Values per key of per-CPU maps created from now on: ``machinePossibleCPUs`` unless set
    /// (any value from 1 to 4096; others are ignored).
    public static var possibleCPUs: Int {
        get {
            let value = configured.load(ordering: .relaxed)
            return value > 0 ? value : machinePossibleCPUs
        }
        set {
            guard (1...4096).contains(newValue) else { return }
            configured.store(newValue, ordering: .relaxed)
        }
    }

    /// How many CPUs a kernel CPU list (`0-3,5`) names: its highest CPU plus one, as
    /// `num_possible_cpus` counts them; `nil` when it does not parse.
    static func parseCPUList(_ text: String) -> Int? {
        var highest = -1
        for part in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) where !part.isEmpty {
            let bounds = part.split(separator: "-")
            guard let last = bounds.last.flatMap({ Int($0.filter { !$0.isWhitespace }) }) else { return nil }
            highest = max(highest, last)
        }
        return highest >= 0 ? highest + 1 : nil
    }

    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

    /// The CPU index programs on this thread run as (0 unless set with ``withCurrentCPU(_:_:)``).
    public static var current: Int {
        Int(bitPattern: pthread_getspecific(key))
    }

    /// Runs `body` with this thread's programs running as CPU `cpu` (restoring the previous one).
    public static func withCurrentCPU<R, E: Error>(_ cpu: Int, _ body: () throws(E) -> R) throws(E) -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: cpu))
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}
