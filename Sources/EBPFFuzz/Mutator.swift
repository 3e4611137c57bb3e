import EBPFProgramGenerator

/// Seeded byte-level mutations for parser robustness tests (a deterministic stand-in for a
/// coverage-guided fuzzer's mutators): bit flips, interesting values, truncation, insertion,
/// deletion, duplication and splicing of chunks.
public struct Mutator {
    var rng: SplitMix64

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
    }

    /// Bytes that often sit on edges: zero, sign bits, all ones, and eBPF opcodes that change
    /// an instruction's shape (`lddw`, `exit`, `call`, `ja`).
    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x18, 0x95, 0x85, 0x05, 0x8d, 0xdb, 0x0a, 0x20, 0x2c]

    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(rng.next() % UInt64(bound)) }

    /// `input` with one to four random mutations; `alphabet`, when given, supplies inserted bytes
    /// (for text, so that mutations stay mostly printable).
    public mutating func mutate(_ input: [UInt8], alphabet: [UInt8]? = nil) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let choice = below(8)
            let position = below(bytes.count + 1)
            func randomByte() -> UInt8 {
                if let alphabet, !alphabet.isEmpty { return alphabet[below(alphabet.count)] }
                return UInt8(truncatingIfNeeded: rng.next())
            }
            switch choice {
            case 0 where !bytes.isEmpty:  // flip one bit
                bytes[position % bytes.count] ^= 1 << UInt8(below(8))
            case 1 where !bytes.isEmpty:  // interesting byte
                bytes[position % bytes.count] = Self.interestingBytes[below(Self.interestingBytes.count)]
            case 2:  // truncate
                bytes.removeLast(bytes.count - position)
            case 3:  // insert random bytes
                bytes.insert(contentsOf: (0..<(1 + below(8))).map { _ in randomByte() }, at: position)
            case 4 where !bytes.isEmpty:  // delete a chunk
                let end = min(bytes.count, position + 1 + below(8))
                bytes.removeSubrange(min(position, bytes.count - 1)..<end)
            case 5 where !bytes.isEmpty:  // duplicate a chunk
                let start = below(bytes.count)
                let end = min(bytes.count, start + 1 + below(16))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 6 where bytes.count >= 8:  // overwrite a whole 8-byte word with random bits
                let word = below(bytes.count / 8) * 8
                for offset in 0..<8 { bytes[word + offset] = UInt8(truncatingIfNeeded: rng.next()) }
            default:  // random byte
                if !bytes.isEmpty { bytes[position % bytes.count] = randomByte() }
            }
        }
        return bytes
    }
}
