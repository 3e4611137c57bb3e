import Synchronization

/// The maps alive in this process, by ``BPFMap/programAddress``, so a helper can tell a genuine map
/// pointer from any other value a program passes (an unverified program may pass anything).
///
/// The registry holds the maps unretained: whoever runs a program keeps its maps alive (a
/// ``LinkedProgram`` retains the maps it references), and a map leaves the registry when it is
/// deallocated.
enum LiveMaps {
    private static let maps = Mutex<[UInt64: Unmanaged<BPFMap>]>([:])
    private static let ringBuffers = Mutex<[UInt64: Unmanaged<RingBufferMap>]>([:])

    static func register(_ map: BPFMap) {
        let address = map.programAddress
        maps.withLock { $0[address] = Unmanaged.passUnretained(map) }
        if let ring = map as? RingBufferMap {
            ringBuffers.withLock { $0[address] = Unmanaged.passUnretained(ring) }
        }
    }

    static func unregister(address: UInt64) {
        maps.withLock { _ = $0.removeValue(forKey: address) }
        ringBuffers.withLock { _ = $0.removeValue(forKey: address) }
    }

    /// The live map at `address`, retained for the caller, or `nil`.
    static func map(at address: UInt64) -> BPFMap? {
        maps.withLock { $0[address]?.takeUnretainedValue() }
    }

    /// The live ring buffer whose data area contains `address`, or `nil`.
    static func ringBuffer(containing address: UInt64) -> RingBufferMap? {
        ringBuffers.withLock { rings in
            for ring in rings.values {
                let map = ring.takeUnretainedValue()
                if map.dataAreaContains(address) { return map }
            }
            return nil
        }
    }
}
