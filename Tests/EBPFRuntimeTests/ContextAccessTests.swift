import EBPF
import EBPFKernel
import Testing

/// Which context accesses each program type allows, byte by byte, and what narrow loads read:
/// every offset of `struct xdp_md` and of `struct __sk_buff` up to `napi_id`, every size, as a
/// load, a sign-extending load and a store, linked and verified here and, where bpf() works,
/// loaded by the kernel (`BPF_PROG_LOAD`). What this project accepts the kernel accepts, and
/// what the kernel accepts in a field this project models it accepts; loads the kernel accepts
/// give the kernel's value (`BPF_PROG_TEST_RUN`) in both engines.
@Suite struct ContextAccessTests {
    enum Access: String, CaseIterable, Sendable {
        case load, signExtendingLoad, store
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var type: ProgramType
        var access: Access
        var size: Int
        var testDescription: String { "\(type) \(access) \(size)" }
    }

    /// Bytes of each structure the grid covers: `xdp_md` whole, `__sk_buff` to `data_meta`.
    static func extent(_ type: ProgramType) -> Int { type == .xdp ? 24 : 148 }

    static let cases: [Case] = [ProgramType.xdp, .socketFilter, .schedClassifier].flatMap { type in
        Access.allCases.flatMap { access in
            [1, 2, 4, 8].compactMap { size in
                access == .signExtendingLoad && size == 8 ? nil : Case(type: type, access: access, size: size)
            }
        }
    }

    /// `r2 = 0; <access at off>; r0 = <loaded or 0>; exit`.
    static func program(_ access: Access, size: Int, offset: Int) -> [Instruction] {
        let sizeBits: UInt8 =
            switch size {
            case 1: 0x10
            case 2: 0x08
            case 4: 0x00
            default: 0x18
            }
        let body: Instruction =
            switch access {
            case .load: Instruction(opcode: 0x61 & ~0x18 | sizeBits, dst: 0, src: 1, offset: Int16(offset))
            case .signExtendingLoad: Instruction(opcode: 0x81 & ~0x18 | sizeBits, dst: 0, src: 1, offset: Int16(offset))
            case .store: Instruction(opcode: 0x63 & ~0x18 | sizeBits, dst: 1, src: 2, offset: Int16(offset))
            }
        let clear = Instruction(opcode: 0xb7, dst: access == .store ? 0 : 2)
        return [Instruction(opcode: 0xb7, dst: 2), body, access == .store ? clear : Instruction(opcode: 0x07, dst: 0), Instruction(opcode: 0x95)]
    }

    static func kernelType(_ type: ProgramType) -> KernelBPF.ProgramType {
        switch type {
        case .xdp: .xdp
        case .socketFilter: .socketFilter
        default: .schedClassifier
        }
    }

    static let frame: [UInt8] =
        [0x01, 0, 0x5e, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0x08, 0x00] + [0x45, 0, 0, 40] + Array(repeating: 0x11, count: 36)

    @Test(arguments: cases)
    func accessesAgreeWithTheKernel(test: Case) throws {
        let layout = try #require(test.type.contextLayout)
        var disagreements: [String] = []
        var accepted = 0
        for offset in 0..<Self.extent(test.type) {
            let instructions = Self.program(test.access, size: test.size, offset: offset)
            let ours: LinkedProgram? = try? ProgramLinker().link(
                Program(unchecked: instructions), maps: [:], name: "p", license: "GPL", type: test.type)
            let verified = ours.map { linked in (try? linked.verify(configuration: ExecutionConfiguration(engine: .interpreter))) != nil } ?? false
            if verified { accepted += 1 }
            guard KernelBPF.isAvailable else { continue }
            let kernel = KernelBPF.loadProgram(instructions, type: Self.kernelType(test.type))
            let modelled = layout.fields.contains { $0.offset <= offset && offset < $0.offset + $0.size }
            switch kernel {
            case .failure where verified:
                disagreements.append("off=\(offset): accepted here, refused by the kernel")
            case .success where !verified && modelled:
                disagreements.append("off=\(offset): accepted by the kernel, refused here")
            case .success(let loaded)
            where verified && test.access != .store
                && layout.fields.contains { $0.offset <= offset && offset < $0.offset + $0.size && $0.kind == .scalar }:
                // What the load reads: the kernel's test run and both engines.
                let kernelValue = try KernelBPF.testRun(loaded, packet: Self.frame).returnValue
                for engine in Engine.allCases {
                    let runner = try ours!.prepare(configuration: ExecutionConfiguration(engine: engine))
                    let value: UInt64 =
                        test.type == .xdp
                        ? try { var packet = Self.frame; return try ours!.run(using: runner, xdp: &packet).returnValue }()
                        : try ours!.run(using: runner, socketBuffer: Self.frame).returnValue
                    if UInt32(truncatingIfNeeded: value) != kernelValue {
                        disagreements.append("off=\(offset) \(engine): \(value) here, \(kernelValue) in the kernel")
                    }
                }
            default:
                break
            }
        }
        #expect(disagreements.isEmpty, "\(test.testDescription): \(disagreements)")
        // Each size is allowed somewhere but for stores to xdp_md and narrow or wide xdp_md loads.
        #expect((accepted > 0) == (test.type != .xdp || test.size == 4 && test.access != .store))
    }

    /// The kernel's rules, spelled out (and checked without the kernel).
    @Test(arguments: [
        (ProgramType.socketFilter, Access.load, 1, 16, true),  // protocol's first byte
        (.socketFilter, .load, 2, 18, true),  // protocol's upper half
        (.socketFilter, .load, 2, 17, false),  // not aligned to its size
        (.socketFilter, .load, 8, 0, false),  // wider than len
        (.socketFilter, .store, 1, 8, false),  // mark: socket filters write cb[] only
        (.schedClassifier, .store, 1, 8, false),  // mark: written whole
        (.schedClassifier, .store, 4, 8, true),
        (.socketFilter, .store, 8, 48, true),  // cb[0..1] as one double word
        (.socketFilter, .store, 8, 52, false),  // not aligned
        (.socketFilter, .store, 1, 67, true),  // cb[4]'s last byte
        (.socketFilter, .load, 8, 64, false),  // past cb[4]
        (.schedClassifier, .load, 2, 76, false),  // data: whole only
        (.schedClassifier, .signExtendingLoad, 4, 76, false),  // data: a pointer
        (.schedClassifier, .load, 4, 140, true),  // data_meta
        (.socketFilter, .load, 4, 140, false),
        (.schedClassifier, .load, 4, 88, false),  // family: socket fields are not for tc
        (.socketFilter, .signExtendingLoad, 1, 4, true),
        (.xdp, .load, 1, 12, false),  // xdp_md: whole fields only
        (.xdp, .load, 2, 16, false),
        (.xdp, .signExtendingLoad, 4, 12, true),
        (.xdp, .signExtendingLoad, 4, 0, false),
    ])
    func kernelRules(type: ProgramType, access: Access, size: Int, offset: Int, allowed: Bool) throws {
        let linked = try? ProgramLinker().link(
            Program(unchecked: Self.program(access, size: size, offset: offset)), maps: [:], name: "p", license: "GPL", type: type)
        let verified = linked.map { (try? $0.verify(configuration: ExecutionConfiguration(engine: .interpreter))) != nil } ?? false
        #expect(verified == allowed)
    }
}
