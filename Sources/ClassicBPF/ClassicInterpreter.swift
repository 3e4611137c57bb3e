/// A direct classic BPF interpreter: the reference the translated eBPF programs are tested
/// against, with libpcap's `bpf_filter` semantics for packets and the kernel's for seccomp.
///
/// - A and X start at 0; arithmetic is unsigned 32-bit with wrap-around.
/// - A packet load whose bytes are not all captured ends the program returning 0, as does a
///   division or remainder by `X == 0`.
/// - A shift by `X ≥ 32` gives 0 (libpcap); constant shifts are below 32 in checked programs.
/// - `len` is the wire length, which may exceed the captured bytes.
///
/// The interpreter never traps: an unchecked program that jumps out of range, falls off the
/// end, names a scratch word past `M[15]` or uses an unknown code returns 0, as libpcap does.
public enum ClassicInterpreter {
    /// Runs a packet filter over `packet` (the captured bytes), with `len` = `wireLength`.
    public static func run(_ program: ClassicProgram, packet: UnsafeRawBufferPointer, wireLength: UInt32) -> UInt32 {
        run(program.instructions, memory: packet, length: wireLength, isSeccomp: false)
    }

    /// Runs a packet filter over `packet`, whose wire length defaults to its captured length.
    public static func run(_ program: ClassicProgram, packet: [UInt8], wireLength: UInt32? = nil) -> UInt32 {
        packet.withUnsafeBytes { run(program, packet: $0, wireLength: wireLength ?? UInt32(truncatingIfNeeded: $0.count)) }
    }

    /// Runs a seccomp filter over one system call record and returns the action.
    public static func run(_ program: ClassicProgram, seccomp data: SeccompData) -> UInt32 {
        data.bytes.withUnsafeBytes {
            run(program.instructions, memory: $0, length: UInt32(SeccompData.byteCount), isSeccomp: true)
        }
    }

    private static func run(
        _ instructions: [ClassicInstruction], memory: UnsafeRawBufferPointer, length: UInt32, isSeccomp: Bool
    ) -> UInt32 {
        var a: UInt32 = 0
        var x: UInt32 = 0
        var scratch = [UInt32](repeating: 0, count: ClassicLimits.scratchWords)
        var pc = 0

        // The bytes [offset, offset + size) as a big-endian number (little-endian for seccomp),
        // or nil when they are not all inside `memory`.
        func load(_ offset: UInt64, _ size: Int) -> UInt32? {
            guard offset <= UInt64(memory.count), UInt64(size) <= UInt64(memory.count) - offset else { return nil }
            var value: UInt32 = 0
            for i in 0..<size {
                let byte = UInt32(memory[Int(offset) + i])
                value = isSeccomp ? value | byte << (8 * UInt32(i)) : value << 8 | byte
            }
            return value
        }

        while pc < instructions.count {
            let instruction = instructions[pc]
            let k = instruction.k
            pc += 1
            guard let operation = instruction.operation else { return 0 }
            if operation.usesScratch && k >= UInt32(ClassicLimits.scratchWords) { return 0 }
            switch operation {
            case .loadAbsolute(let size):
                guard let value = load(UInt64(k), size.byteCount) else { return 0 }
                a = value
            case .loadIndirect(let size):
                guard let value = load(UInt64(x) + UInt64(k), size.byteCount) else { return 0 }
                a = value
            case .loadLength: a = length
            case .loadImmediate: a = k
            case .loadScratch: a = scratch[Int(k)]
            case .loadXImmediate: x = k
            case .loadXScratch: x = scratch[Int(k)]
            case .loadXLength: x = length
            case .loadXHeaderLength:
                guard let value = load(UInt64(k), 1) else { return 0 }
                x = (value & 0xf) << 2
            case .store: scratch[Int(k)] = a
            case .storeX: scratch[Int(k)] = x
            case .negate: a = 0 &- a
            case .tax: x = a
            case .txa: a = x
            case .returnK: return k
            case .returnA: return a
            case .jumpAlways:
                guard UInt64(k) < UInt64(instructions.count) else { return 0 }
                pc += Int(k)
            case .jump(let op, let source):
                let operand = source == .k ? k : x
                let taken: Bool
                switch op {
                case .ja: taken = true
                case .jeq: taken = a == operand
                case .jgt: taken = a > operand
                case .jge: taken = a >= operand
                case .jset: taken = a & operand != 0
                }
                pc += Int(taken ? instruction.jumpIfTrue : instruction.jumpIfFalse)
            case .alu(let op, let source):
                let operand = source == .k ? k : x
                switch op {
                case .add: a = a &+ operand
                case .sub: a = a &- operand
                case .mul: a = a &* operand
                case .div:
                    if operand == 0 { return 0 }
                    a /= operand
                case .mod:
                    if operand == 0 { return 0 }
                    a %= operand
                case .or: a |= operand
                case .and: a &= operand
                case .xor: a ^= operand
                case .lsh: a = operand < 32 ? a << operand : 0
                case .rsh: a = operand < 32 ? a >> operand : 0
                case .neg: a = 0 &- a
                }
            }
        }
        return 0
    }
}
