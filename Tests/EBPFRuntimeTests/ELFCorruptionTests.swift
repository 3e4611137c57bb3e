@testable import EBPFRuntime
import EBPF
import EBPFTestSupport
import Testing

/// Truncated and randomly corrupted objects never crash the loader: each gives an object or a
/// typed error whose offset lies inside the file.
@Suite struct ELFCorruptionTests {
    /// Parses, creates maps and links every program; returns the error, if any.
    static func load(_ bytes: [UInt8]) -> (any Error)? {
        do {
            let loaded = try LoadedObject(bytes: bytes)
            for program in loaded.object.programs { _ = try loaded.link(program) }
            return nil
        } catch {
            return error
        }
    }

    /// Every proper prefix of an object fails (its section headers are at the end) with an offset
    /// inside the original file.
    @Test(arguments: ["packet_counter", "ringbuf_events"])
    func everyPrefixIsRejected(example: String) throws {
        let bytes = try Fixtures.example(example)
        for length in 0..<bytes.count {
            do {
                _ = try ELFObject(bytes: Array(bytes[..<length]))
                Issue.record("prefix of \(length) bytes loaded")
            } catch {
                #expect(error.offset <= bytes.count, "prefix \(length): \(error)")
            }
        }
        #expect(Self.load(bytes) == nil)
    }

    /// A few thousand objects with 1–8 random bytes replaced (deterministic seed), anywhere in the
    /// file and concentrated on the headers, BTF and relocations.
    @Test(arguments: ["packet_counter", "port_filter", "ringbuf_events", "loader_fixture"])
    func randomCorruptionsNeverCrash(name: String) throws {
        let bytes = Fixtures.exampleNames.contains(name) ? try Fixtures.example(name) : try Fixtures.fixture(name)
        var random = SplitMix64(seed: 0x5eed_0000 ^ UInt64(bytes.count))
        var failures = 0
        let rounds = 800
        for _ in 0..<rounds {
            var corrupt = bytes
            for _ in 0..<(1 + Int(random.next() % 8)) {
                let offset = random.next() % 4 == 0 ? Int(random.next() % 64) : Int(random.next() % UInt64(bytes.count))
                corrupt[offset] = UInt8(truncatingIfNeeded: random.next())
            }
            if let error = Self.load(corrupt) {
                failures += 1
                if let error = error as? ObjectLoadError, case .elf(let elf) = error {
                    #expect(elf.offset <= bytes.count, "\(elf)")
                }
            }
        }
        // Some corruptions hit debug sections and still load; many must not.
        #expect(failures > rounds / 20)
        #expect(failures < rounds)
    }
}

extension ELFCorruptionTests {
    /// Corruptions inside the `.BTF` section only, where BTF-defined maps are read.
    @Test(arguments: ["packet_counter", "ringbuf_events", "loader_fixture"])
    func btfCorruptionsNeverCrash(name: String) throws {
        let bytes = Fixtures.exampleNames.contains(name) ? try Fixtures.example(name) : try Fixtures.fixture(name)
        let btf = try #require(try ELFFile(bytes: bytes).section(named: ".BTF"))
        var random = SplitMix64(seed: 0xb7f)
        var btfErrors = 0
        for _ in 0..<500 {
            var corrupt = bytes
            for _ in 0..<(1 + Int(random.next() % 4)) {
                // Mostly the header and the first types, where the map definitions are.
                let span = random.next() % 2 == 0 ? min(btf.size, 256) : btf.size
                corrupt[btf.offset + Int(random.next() % UInt64(span))] = UInt8(truncatingIfNeeded: random.next())
            }
            if case .elf(let error)? = Self.load(corrupt) as? ObjectLoadError {
                #expect(error.offset <= bytes.count)
                if case .invalidBTF = error { btfErrors += 1 }
            }
        }
        #expect(btfErrors > 0)
    }
}
