import Testing
import ClassicBPF

/// A hand-written seccomp policy, translated and run in every engine over many system call
/// records, against the policy written directly in Swift.
@Suite struct SeccompFilterTests {
    /// Builds a classic program from lines whose jump targets are labels.
    struct Builder {
        enum Line { case plain(ClassicInstruction), jump(UInt16, UInt32, String, String), label(String) }
        var lines: [Line] = []
        mutating func add(_ code: UInt16, _ k: UInt32 = 0) { lines.append(.plain(ClassicInstruction(code: code, k: k))) }
        mutating func jeq(_ k: UInt32, _ whenTrue: String, _ whenFalse: String) { lines.append(.jump(0x15, k, whenTrue, whenFalse)) }
        mutating func jset(_ k: UInt32, _ whenTrue: String, _ whenFalse: String) { lines.append(.jump(0x45, k, whenTrue, whenFalse)) }
        mutating func label(_ name: String) { lines.append(.label(name)) }

        /// "next" names the following instruction.
        func program() -> ClassicProgram {
            var positions: [String: Int] = [:]
            var index = 0
            for line in lines {
                if case .label(let name) = line { positions[name] = index } else { index += 1 }
            }
            var out: [ClassicInstruction] = []
            for line in lines {
                switch line {
                case .plain(let instruction): out.append(instruction)
                case .label: break
                case .jump(let code, let k, let t, let f):
                    let here = out.count
                    func offset(_ name: String) -> UInt8 { name == "next" ? 0 : UInt8(positions[name]! - here - 1) }
                    out.append(ClassicInstruction(code: code, jumpIfTrue: offset(t), jumpIfFalse: offset(f), k: k))
                }
            }
            return ClassicProgram(out)
        }
    }

    static let filter: ClassicProgram = {
        var b = Builder()
        b.add(0x20, SeccompData.architectureOffset)
        b.jeq(SeccompData.auditArchX86_64, "next", "kill")
        b.add(0x20, SeccompData.systemCallNumberOffset)
        b.jeq(0, "allow", "next")  // read
        b.jeq(1, "allow", "next")  // write
        b.jeq(231, "allow", "next")  // exit_group
        b.jeq(257, "openat", "next")
        b.jeq(16, "ioctl", "next")
        b.add(0x06, SeccompAction.errno(38).rawValue)  // ENOSYS
        b.label("openat")
        b.add(0x20, SeccompData.argumentOffset(2))  // flags, low word
        b.jset(3, "eacces", "allow")  // O_WRONLY | O_RDWR
        b.label("ioctl")
        b.add(0x20, SeccompData.argumentOffset(1) + 4)  // request, high word
        b.jeq(0, "next", "enotty")
        b.add(0x20, SeccompData.argumentOffset(1))
        b.jeq(0x5401, "allow", "enotty")  // TCGETS
        b.label("allow")
        b.add(0x06, SeccompAction.allow.rawValue)
        b.label("eacces")
        b.add(0x06, SeccompAction.errno(13).rawValue)
        b.label("enotty")
        b.add(0x06, SeccompAction.errno(25).rawValue)
        b.label("kill")
        b.add(0x06, SeccompAction.killProcess.rawValue)
        return b.program()
    }()

    static func policy(_ data: SeccompData) -> SeccompAction {
        guard data.architecture == SeccompData.auditArchX86_64 else { return .killProcess }
        switch data.systemCallNumber {
        case 0, 1, 231: return .allow
        case 257: return data.arguments[2] & 3 != 0 ? .errno(13) : .allow
        case 16: return data.arguments[1] == 0x5401 ? .allow : .errno(25)
        default: return .errno(38)
        }
    }

    static let records: [SeccompData] = {
        var random = RandomClassicPrograms(seed: 5)
        var records: [SeccompData] = []
        let numbers: [Int32] = [0, 1, 2, 16, 59, 231, 257, 1000, -1, 0x4000_0000]
        let interesting: [UInt64] = [0, 1, 2, 3, 0x41, 0x5401, 0x1_0000_5401, 0x8000_0000_0000_5401, 0xffff_ffff_ffff_ffff]
        for number in numbers {
            for architecture in [SeccompData.auditArchX86_64, SeccompData.auditArchI386, SeccompData.auditArchAArch64] {
                for _ in 0..<20 {
                    let arguments = (0..<6).map { _ in random.below(2) == 0 ? interesting[random.below(interesting.count)] : random.next() }
                    records.append(SeccompData(systemCallNumber: number, architecture: architecture, instructionPointer: random.next(), arguments: arguments))
                }
            }
        }
        return records
    }()

    @Test func policyHoldsInEveryEngine() throws {
        try ClassicChecker.check(Self.filter, kind: .seccomp)
        let engines = try TranslatedEngines(Self.filter, kind: .seccomp)
        var actions: Set<UInt32> = []
        for record in Self.records {
            let expected = Self.policy(record)
            actions.insert(expected.rawValue)
            #expect(ClassicInterpreter.run(Self.filter, seccomp: record) == expected.rawValue, "\(record)")
            for (name, result) in engines.run(context: record.bytes) {
                #expect(result == UInt64(expected.rawValue), "\(name) \(record) expected \(expected)")
            }
        }
        // Every branch of the policy was taken.
        #expect(actions.count == 5)
    }

    @Test func actionsPrintTheirNames() {
        #expect(SeccompAction.errno(13).description == "ERRNO(13)")
        #expect(SeccompAction(rawValue: 0x7fff_0000).description == "ALLOW")
        #expect(SeccompAction.killProcess.action == 0x8000_0000)
    }
}
