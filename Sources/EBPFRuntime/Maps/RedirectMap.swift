import EBPFCore
import Synchronization

/// The XDP redirect maps, `BPF_MAP_TYPE_DEVMAP`, `BPF_MAP_TYPE_CPUMAP` and
/// `BPF_MAP_TYPE_XSKMAP`: slots a program sends packets to with `bpf_redirect_map`. The runtime
/// has no devices, CPUs' queues or AF_XDP sockets, so a redirect to a slot is recorded
/// (``PacketRedirect/map``), as `bpf_redirect` is.
///
/// Keys are 4-byte indexes below `maxEntries`; every index can be iterated, as in the kernel,
/// and an index is present once Swift stored a value in it:
///
/// - devmap: a 4-byte interface index (or `struct bpf_devmap_val`, 8 bytes, whose program must
///   be 0: devmap programs are not supported); any index is accepted, since there are no devices.
/// - cpumap: a 4-byte queue size (or `struct bpf_cpumap_val`, 8 bytes, program 0); 0 empties the
///   slot, more than 16384 is refused, the key must be below ``PerCPU/possibleCPUs``.
/// - xskmap: a 4-byte AF_XDP socket descriptor, kept as a number; Swift cannot read it back
///   (the kernel's lookup from user space is `EOPNOTSUPP` too).
///
/// `BPF_NOEXIST` is `EEXIST` for devmaps and cpumaps (every slot exists for them, as for
/// arrays); for xskmaps it applies to the slot's socket. Programs cannot look up or update
/// these maps here (their lookup returns NULL; the kernel gives devmap and xskmap lookups).
public final class RedirectMap: BPFMap, @unchecked Sendable {
    private let slots: Mutex<[[UInt8]?]>

    /// The largest queue size of a cpumap entry (the kernel's limit).
    public static let maxQueueSize: UInt32 = 16384

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()
        slots = Mutex(Array(repeating: nil, count: definition.maxEntries))
        super.init(validatedDefinition: definition, name: name)
    }

    /// The value stored at `index`, if the slot is present.
    public func target(at index: UInt32) -> [UInt8]? {
        slots.withLock { slots in Int(index) < slots.count ? slots[Int(index)] : nil }
    }

    /// The interface a devmap slot sends to (its value's first 4 bytes), if present.
    func interface(at index: UInt32) -> UInt32? {
        guard definition.type == .deviceMap, let value = target(at: index) else { return nil }
        return value.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    override func copyValue(key: UnsafeRawPointer, into value: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        guard definition.type != .xdpSocketMap else { throw .operationNotSupported(operation: "lookup", type: definition.type) }
        guard let stored = target(at: key.loadUnaligned(as: UInt32.self)) else { return false }
        stored.withUnsafeBytes { value.copyMemory(from: $0.baseAddress!, byteCount: stored.count) }
        return true
    }

    override func update(key: UnsafeRawPointer, value: UnsafeRawPointer, flags: MapUpdateFlags) throws(MapError) {
        let flags = try flags.validated()
        let index = key.loadUnaligned(as: UInt32.self)
        guard Int(index) < definition.maxEntries else { throw .indexOutOfRange(index: index, maxEntries: definition.maxEntries) }
        let bytes = Array(UnsafeRawBufferPointer(start: value, count: definition.valueSize))
        let first = value.loadUnaligned(as: UInt32.self)
        if definition.valueSize == 8, value.loadUnaligned(fromByteOffset: 4, as: UInt32.self) != 0 {
            throw .operationNotSupported(operation: "attaching a program to an entry", type: definition.type)
        }
        switch definition.type {
        case .deviceMap:
            guard flags != .noExist else { throw .keyExists }
        case .cpuMap:
            guard flags != .noExist else { throw .keyExists }
            guard Int(index) < PerCPU.possibleCPUs else { throw .invalidDefinition("CPU \(index) is not a possible CPU") }
            guard first <= Self.maxQueueSize else { throw .invalidDefinition("queue size \(first) exceeds \(Self.maxQueueSize)") }
        default:
            break
        }
        try slots.withLock { (slots) throws(MapError) in
            if definition.type == .xdpSocketMap {
                if slots[Int(index)] != nil, flags == .noExist { throw .keyExists }
                if slots[Int(index)] == nil, flags == .exist { throw .keyNotFound }
            }
            // A cpumap entry with a queue size of 0 is removed, as in the kernel.
            slots[Int(index)] = definition.type == .cpuMap && first == 0 ? nil : bytes
        }
    }

    override func delete(key: UnsafeRawPointer) throws(MapError) {
        let index = key.loadUnaligned(as: UInt32.self)
        guard Int(index) < definition.maxEntries else { throw .keyNotFound }
        slots.withLock { $0[Int(index)] = nil }
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        let index = key.map { $0.loadUnaligned(as: UInt32.self) }
        let following = index.map { Int($0) < definition.maxEntries ? Int($0) + 1 : 0 } ?? 0
        guard following < definition.maxEntries else { return false }
        next.storeBytes(of: UInt32(following), as: UInt32.self)
        return true
    }
}
