import EBPFCore
import Synchronization

/// `BPF_MAP_TYPE_RINGBUF`: programs append records (`bpf_ringbuf_output`, or
/// `bpf_ringbuf_reserve` then `bpf_ringbuf_submit`/`bpf_ringbuf_discard`); Swift reads them in
/// order with ``consume(_:)`` or ``drain()``.
///
/// The data area is `maxEntries` bytes. Each record is an 8-byte header (the length, with a busy
/// bit while reserved and a discard bit, as in the kernel) followed by the data, padded to a
/// multiple of 8. A record never wraps: when it does not fit before the end of the area, the rest
/// of the area becomes a discarded padding record and the record starts at offset 0, so every
/// reservation is contiguous memory. Records are delivered in reservation order; a reserved record
/// not yet submitted holds back the records after it.
public final class RingBufferMap: BPFMap, @unchecked Sendable {
    /// Bytes a program may access after a pointer `bpf_ringbuf_reserve` returned, as declared to
    /// the verifier (``HelperReturn/memoryOrNull(size:)`` has one size per helper, not per call).
    /// The data area is followed by this much slack so such accesses stay in the allocation even
    /// for the last record.
    public static let reservationAccessLimit = 4096

    static let busyBit: UInt32 = 1 << 31
    static let discardBit: UInt32 = 1 << 30
    static let headerSize = 8

    private let data: UnsafeMutableRawPointer
    private let size: Int
    private let positions = Mutex<(producer: Int, consumer: Int)>((0, 0))

    init(name: String, definition: MapDefinition) throws(MapError) {
        try definition.validate()  // before allocating what it sizes
        size = definition.maxEntries
        data = ZeroedStorage.allocate(byteCount: size + Self.reservationAccessLimit)
        super.init(validatedDefinition: definition, name: name)
    }

    deinit {
        ZeroedStorage.release(data)
    }

    public override var regions: [MemoryRegion] {
        [MemoryRegion(start: UInt64(UInt(bitPattern: data)), count: UInt64(size + Self.reservationAccessLimit))]
    }

    func dataAreaContains(_ address: UInt64) -> Bool {
        let offset = address &- UInt64(UInt(bitPattern: data))
        return offset < UInt64(size)
    }

    /// Bytes of records (with headers and padding) written and not yet consumed.
    public var pendingBytes: Int {
        positions.withLock { $0.producer - $0.consumer }
    }

    private func header(at position: Int) -> UnsafeMutableRawPointer {
        data + (position & (size - 1))
    }

    /// Reserves `length` bytes for a record; `nil` when the record cannot fit.
    func reserve(length: Int) -> UnsafeMutableRawPointer? {
        guard length >= 0, length <= size - Self.headerSize else { return nil }
        let total = (length + Self.headerSize + 7) & ~7
        return positions.withLock { positions -> UnsafeMutableRawPointer? in
            let offset = positions.producer & (size - 1)
            let padding = size - offset < total ? size - offset : 0
            guard positions.producer + padding + total - positions.consumer <= size else { return nil }
            if padding > 0 {
                let pad = header(at: positions.producer)
                pad.storeBytes(of: UInt32(padding - Self.headerSize) | Self.discardBit, as: UInt32.self)
                positions.producer += padding
            }
            let record = header(at: positions.producer)
            record.storeBytes(of: UInt32(length) | Self.busyBit, as: UInt32.self)
            record.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
            positions.producer += total
            return record + Self.headerSize
        }
    }

    /// Ends a reservation made by ``reserve(length:)`` (submit or discard). Returns `false`, and
    /// changes nothing, when `record` is not the data of a reserved record of this buffer.
    @discardableResult
    func commit(record: UnsafeMutableRawPointer, discard: Bool) -> Bool {
        let offset = record - data - Self.headerSize
        guard offset >= 0, offset < size, offset % 8 == 0 else { return false }
        return positions.withLock { _ in
            let header = data + offset
            let word = header.load(as: UInt32.self)
            guard word & Self.busyBit != 0 else { return false }
            header.storeBytes(of: (word & ~Self.busyBit) | (discard ? Self.discardBit : 0), as: UInt32.self)
            return true
        }
    }

    /// Appends a record holding a copy of `bytes` (what `bpf_ringbuf_output` does).
    /// - Throws: ``MapError/noSpace(requested:)`` when it does not fit.
    public func output(_ bytes: UnsafeRawBufferPointer) throws(MapError) {
        guard let record = reserve(length: bytes.count) else { throw .noSpace(requested: bytes.count) }
        if let base = bytes.baseAddress { record.copyMemory(from: base, byteCount: bytes.count) }
        commit(record: record, discard: false)
    }

    /// Hands each submitted record, oldest first, to `body`, and frees their space. Stops at a
    /// record still reserved. Returns the number of records delivered.
    @discardableResult
    public func consume(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Int {
        var delivered = 0
        while let record = nextRecord() {
            try record.withUnsafeBytes { try body($0) }
            delivered += 1
        }
        return delivered
    }

    /// Every submitted record, oldest first, copied; their space is freed.
    public func drain() -> [[UInt8]] {
        var records: [[UInt8]] = []
        while let record = nextRecord() { records.append(record) }
        return records
    }

    /// Removes and returns the oldest submitted record, skipping discarded ones; `nil` when none is
    /// ready. A header that cannot be right (a program wrote past its reservation) drops everything
    /// pending rather than read outside the data area.
    private func nextRecord() -> [UInt8]? {
        positions.withLock { positions -> [UInt8]? in
            while positions.consumer < positions.producer {
                let header = header(at: positions.consumer)
                let word = header.load(as: UInt32.self)
                if word & Self.busyBit != 0 { return nil }
                let length = Int(word & ~(Self.busyBit | Self.discardBit))
                let total = (length + Self.headerSize + 7) & ~7
                let offset = positions.consumer & (size - 1)
                guard total <= positions.producer - positions.consumer, offset + total <= size else {
                    positions.consumer = positions.producer
                    return nil
                }
                positions.consumer += total
                if word & Self.discardBit == 0 {
                    return Array(UnsafeRawBufferPointer(start: header + Self.headerSize, count: length))
                }
            }
            return nil
        }
    }

    override func nextKey(after key: UnsafeRawPointer?, into next: UnsafeMutableRawPointer) throws(MapError) -> Bool {
        throw .operationNotSupported(operation: "get next key", type: .ringBuffer)
    }
}
