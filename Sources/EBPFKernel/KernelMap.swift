import CLinuxBPF

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A map created in the kernel with `BPF_MAP_CREATE`, for the kernel oracle: programs loaded
/// with `BPF_PROG_LOAD` refer to it by ``fileDescriptor`` (an `lddw` with src 1), and
/// ``entries()`` reads it back to compare with the runtime's map. Closed when released.
///
/// `union bpf_attr` (UAPI): `BPF_MAP_CREATE` map_type@0 key_size@4 value_size@8 max_entries@12
/// map_flags@16; `BPF_MAP_LOOKUP_ELEM` and `BPF_MAP_GET_NEXT_KEY` map_fd@0 key@8 value/next_key@16.
public final class KernelMap: Sendable {
    public let fileDescriptor: Int32
    public let keySize: Int
    public let valueSize: Int
    /// Bytes `BPF_MAP_LOOKUP_ELEM` writes: the value size, or for per-CPU maps
    /// ``possibleCPUs`` values each rounded up to 8 bytes.
    public let lookupValueSize: Int

    /// The kernel's `num_possible_cpus()`: the highest CPU of `/sys/devices/system/cpu/possible`
    /// plus one (1 when it cannot be read).
    public static let possibleCPUs: Int = {
        let descriptor = open("/sys/devices/system/cpu/possible", O_RDONLY)
        guard descriptor >= 0 else { return 1 }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return 1 }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        let highest = text.split(whereSeparator: { $0 == "," || $0 == "-" || $0 == "\n" }).compactMap { Int($0) }.max()
        return (highest ?? 0) + 1
    }()

    /// The per-CPU map types (`BPF_MAP_TYPE_PERCPU_HASH`, `_PERCPU_ARRAY`, `_LRU_PERCPU_HASH`),
    /// whose values user space reads for every possible CPU.
    public static let perCPUTypes: Set<UInt32> = [5, 6, 10]

    static let commandCreate: Int32 = 0
    static let commandLookup: Int32 = 1
    static let commandUpdate: Int32 = 2
    static let commandNextKey: Int32 = 4

    /// Creates a map of kernel type `type` (`enum bpf_map_type`); `nil` with errno when refused.
    public static func create(type: UInt32, keySize: Int, valueSize: Int, maxEntries: Int, flags: UInt32 = 0) -> Result<KernelMap, KernelRunError> {
        var attributes = [UInt8](repeating: 0, count: KernelBPF.attributeSize)
        let result = attributes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: type, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: UInt32(keySize), toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: UInt32(valueSize), toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(maxEntries), toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: flags, toByteOffset: 16, as: UInt32.self)
            return swift_ebpf_bpf(commandCreate, raw.baseAddress, UInt32(KernelBPF.attributeSize))
        }
        if result < 0 { return .failure(KernelRunError(errno: errno)) }
        let lookupValueSize = perCPUTypes.contains(type) ? possibleCPUs * ((valueSize + 7) & ~7) : valueSize
        return .success(KernelMap(fileDescriptor: Int32(result), keySize: keySize, valueSize: valueSize, lookupValueSize: lookupValueSize))
    }

    init(fileDescriptor: Int32, keySize: Int, valueSize: Int, lookupValueSize: Int) {
        self.fileDescriptor = fileDescriptor
        self.keySize = keySize
        self.valueSize = valueSize
        self.lookupValueSize = lookupValueSize
    }

    deinit {
        close(fileDescriptor)
    }

    /// Every (key, value) of the map (a per-CPU map's value is every CPU's, ``lookupValueSize``
    /// bytes) in the kernel's iteration order (`BPF_MAP_GET_NEXT_KEY` from
    /// no key, then `BPF_MAP_LOOKUP_ELEM`).
    public func entries() -> [(key: [UInt8], value: [UInt8])] {
        var result: [(key: [UInt8], value: [UInt8])] = []
        var key: [UInt8]? = nil
        while true {
            var next = [UInt8](repeating: 0, count: keySize)
            let status: Int = next.withUnsafeMutableBytes { nextBytes in
                withKeyPointer(key) { keyAddress in
                    call(Self.commandNextKey, key: keyAddress, second: UInt64(UInt(bitPattern: nextBytes.baseAddress)))
                }
            }
            guard status == 0 else { return result }
            var value = [UInt8](repeating: 0, count: lookupValueSize)
            let found: Int = value.withUnsafeMutableBytes { valueBytes in
                next.withUnsafeBytes { keyBytes in
                    call(Self.commandLookup, key: UInt64(UInt(bitPattern: keyBytes.baseAddress)), second: UInt64(UInt(bitPattern: valueBytes.baseAddress)))
                }
            }
            if found == 0 { result.append((next, value)) }
            key = next
            if result.count > 1 << 20 { return result }
        }
    }

    /// Stores `value` under `key` (`BPF_MAP_UPDATE_ELEM` with `BPF_ANY`; a per-CPU map's value
    /// is every CPU's, ``lookupValueSize`` bytes); the errno when the kernel refuses.
    public func update(key: [UInt8], value: [UInt8]) -> Result<Void, KernelRunError> {
        precondition(key.count == keySize && value.count == lookupValueSize, "key or value of the wrong size")
        let status: Int = key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                call(Self.commandUpdate, key: UInt64(UInt(bitPattern: keyBytes.baseAddress)), second: UInt64(UInt(bitPattern: valueBytes.baseAddress)))
            }
        }
        return status == 0 ? .success(()) : .failure(KernelRunError(errno: errno))
    }

    private func withKeyPointer<R>(_ key: [UInt8]?, _ body: (UInt64) -> R) -> R {
        guard let key else { return body(0) }
        return key.withUnsafeBytes { body(UInt64(UInt(bitPattern: $0.baseAddress))) }
    }

    private func call(_ command: Int32, key: UInt64, second: UInt64) -> Int {
        var attributes = [UInt8](repeating: 0, count: KernelBPF.attributeSize)
        return attributes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(bitPattern: fileDescriptor), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: key, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: second, toByteOffset: 16, as: UInt64.self)
            return swift_ebpf_bpf(command, raw.baseAddress, UInt32(KernelBPF.attributeSize))
        }
    }
}
