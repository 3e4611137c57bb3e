import Testing
import EBPF
import EBPFTestSupport
@testable import EBPFRuntime

/// ``HashMapIndex`` through the map's operations, against a dictionary model: random updates
/// (every flag), deletions and lookups over a key space a little larger than the map, so probe
/// runs form, wrap around the table's end and are shifted back by removals; for every key size
/// the hash reads differently (whole words, a 4-byte tail, single bytes).
@Suite struct HashMapIndexTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let type: MapType
        let keySize: Int
        let maxEntries: Int
        var testDescription: String { "\(type), key \(keySize) B, \(maxEntries) entries" }
    }

    static let cases: [Case] = [MapType.hash, .lruHash].flatMap { type in
        [1, 3, 4, 5, 7, 8, 12, 16, 17, 40].map { Case(type: type, keySize: $0, maxEntries: $0 == 1 ? 200 : 24) }
    }

    @Test(arguments: cases)
    func operationsMatchADictionary(_ testCase: Case) throws {
        let map = try BPFMap.make(MapDefinition(type: testCase.type, keySize: testCase.keySize, valueSize: 8, maxEntries: testCase.maxEntries))
        var generator = SplitMix64(seed: UInt64(testCase.keySize * 131 + testCase.maxEntries))
        // Keys differ in one byte at a position that moves with the key, so every byte matters.
        let keySpace = min(testCase.maxEntries + testCase.maxEntries / 2, 250)
        func key(_ n: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0xa5, count: testCase.keySize)
            bytes[n % testCase.keySize] = UInt8(n)
            if testCase.keySize > 1 { bytes[(n / 7) % testCase.keySize] ^= UInt8(n / 7) }
            return bytes
        }
        let keys = (0..<keySpace).map(key)
        #expect(Set(keys).count == keySpace)
        var model: [[UInt8]: UInt64] = [:]
        var recency: [[UInt8]] = []  // least recent first, for the LRU map's evictions
        func touch(_ key: [UInt8]) {
            recency.removeAll { $0 == key }
            recency.append(key)
        }
        for step in 0..<3000 {
            let key = keys[Int.random(in: 0..<keySpace, using: &generator)]
            let value = UInt64(step)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                let flags: MapUpdateFlags = [.any, .noExist, .exist][Int.random(in: 0..<3, using: &generator)]
                let present = model[key] != nil
                var expected: MapError?
                if flags == .noExist && present { expected = .keyExists }
                if flags == .exist && !present { expected = .keyNotFound }
                if expected == nil, !present, model.count == testCase.maxEntries {
                    if testCase.type == .hash {
                        expected = .mapFull(maxEntries: testCase.maxEntries)
                    } else {
                        model[recency.removeFirst()] = nil
                    }
                }
                do throws(MapError) {
                    try map.update(key: key, value: withUnsafeBytes(of: value) { Array($0) }, flags: flags)
                    #expect(expected == nil, "step \(step)")
                    model[key] = value
                    touch(key)
                } catch {
                    #expect(error == expected, "step \(step)")
                }
            case 5..<7:
                do throws(MapError) {
                    try map.delete(key: key)
                    #expect(model.removeValue(forKey: key) != nil, "step \(step)")
                    recency.removeAll { $0 == key }
                } catch {
                    #expect(error == .keyNotFound && model[key] == nil, "step \(step)")
                }
            default:
                let found = try? map.lookup(key: key)
                #expect(found.map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } } == model[key], "step \(step)")
            }
        }
        // Every key is found or not as the model says, and iteration visits exactly the model's keys.
        for key in keys {
            let found = try? map.lookup(key: key)
            #expect(found.map { $0.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } } == model[key])
        }
        let entries = try map.entries()
        #expect(entries.count == model.count)
        #expect(Set(entries.map(\.key)) == Set(model.keys))
        #expect((map as? HashMap)?.count == model.count)
    }

    /// A full table's worth of keys removed in an order that shifts entries across the table's
    /// wrap-around, then inserted again: every step leaves every remaining key findable.
    @Test(arguments: [2, 3, 8, 33])
    func removalKeepsEveryOtherKeyReachable(maxEntries: Int) throws {
        let map = try BPFMap.make(MapDefinition(type: .hash, keySize: 8, valueSize: 8, maxEntries: maxEntries))
        var present = Set(0..<UInt64(maxEntries))
        for round in 0..<3 {
            for key in present { try map.update(key * 0x1_0000_0001, key + UInt64(round)) }
            var order = Array(present)
            var generator = SplitMix64(seed: UInt64(round * 1000 + maxEntries))
            order.shuffle(using: &generator)
            for key in order {
                try map.delete(key * 0x1_0000_0001)
                present.remove(key)
                for other in present { #expect(try map.lookup(other * 0x1_0000_0001, as: UInt64.self) == other + UInt64(round)) }
                #expect(try map.lookup(key * 0x1_0000_0001, as: UInt64.self) == nil)
            }
            present = Set(0..<UInt64(maxEntries))
        }
    }
}
