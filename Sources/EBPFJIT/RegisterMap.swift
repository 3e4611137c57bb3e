import X86Encoding

/// Which x86-64 register holds each eBPF register (R0–R10) and each piece of JIT state for the
/// whole program: the map ``JITOptions/registerMap`` gives, or, with
/// ``JITOptions/allocatesRegisters`` (the default), one ``RegisterAllocator`` chooses per program
/// (keeping this map's context, counter and scratch registers, and its eBPF choices on ties).
///
/// ## The default map
/// | eBPF | x86 | why |
/// |---|---|---|
/// | R0 | rax | helper results arrive in rax; `cmpxchg` compares with rax; the entry returns rax |
/// | R1–R5 | rdi, rsi, rdx, rcx, r8 | the System V argument registers, so a helper call moves nothing |
/// | R6 | rbx | callee-saved, survives helper calls; short encodings as a base |
/// | R7–R9 | r13, r14, r15 | callee-saved (r13 as a base needs a disp8, the cheaper of r12/r13) |
/// | R10 | rbp | callee-saved; stack accesses always have a displacement, so rbp's mandatory disp8 costs nothing |
/// | context | r12 | callee-saved (no spill around calls); its SIB byte only matters on check paths |
/// | counter | r10 | the instruction counter; only used when the budget is enforced, spilled around calls |
/// | scratch | r11 | caller-saved temporary for addresses, divisors and moves |
///
/// r9 is left unused. Division clobbers rax/rdx and variable shifts without BMI2 need rcx; the
/// lowering saves whichever live registers sit there, so any map works, only with a few
/// more moves.
///
/// ## Rules every map obeys
/// The 14 registers are distinct, none is rsp, and `scratch` is not rax, rcx or rdx (the
/// registers that division and shifts by `cl` use implicitly).
public struct RegisterMap: Sendable, Hashable, CustomStringConvertible {
    /// `ebpf[n]` holds eBPF register Rn, n = 0...10.
    public let ebpf: [X86Register]
    /// Holds the address of the per-run context (bounds, trap record, saved rsp).
    public let context: X86Register
    /// Holds the count of executed instructions when the budget is enforced.
    public let counter: X86Register
    /// A temporary the lowering may overwrite at any time.
    public let scratch: X86Register

    /// Checks the rules above.
    public init(ebpf: [X86Register], context: X86Register, counter: X86Register, scratch: X86Register) throws(JITError) {
        guard ebpf.count == 11 else { throw .invalidRegisterMap("needs 11 eBPF registers, got \(ebpf.count)") }
        let all = ebpf + [context, counter, scratch]
        guard !all.contains(.rsp) else { throw .invalidRegisterMap("rsp cannot hold a register") }
        guard Set(all).count == all.count else { throw .invalidRegisterMap("registers must be distinct: \(all)") }
        guard ![.rax, .rcx, .rdx].contains(scratch) else {
            throw .invalidRegisterMap("the scratch register cannot be rax, rcx or rdx (got \(scratch))")
        }
        self.ebpf = ebpf
        self.context = context
        self.counter = counter
        self.scratch = scratch
    }

    /// A map from ``RegisterAllocator``: eBPF registers may share an x86 register (the allocator
    /// proved they never hold live values at once), and unused ones sit on the scratch register.
    /// The roles are distinct from each other and from every used eBPF register.
    init(allocated ebpf: [X86Register], context: X86Register, counter: X86Register, scratch: X86Register) {
        self.ebpf = ebpf
        self.context = context
        self.counter = counter
        self.scratch = scratch
    }

    /// The default map (see the type's discussion).
    public static let `default` = try! RegisterMap(
        ebpf: [.rax, .rdi, .rsi, .rdx, .rcx, .r8, .rbx, .r13, .r14, .r15, .rbp],
        context: .r12, counter: .r10, scratch: .r11
    )

    /// The one usable register no role takes (r9 in the default map). The lowering may keep a
    /// per-run invariant in it (the stack area's base), saving it like any other live register.
    public var spare: X86Register {
        let used = ebpf + [context, counter, scratch]
        return X86Register.allCases.first { $0 != .rsp && !used.contains($0) }!
    }

    /// The 15 usable registers in role order: R0–R10, context, counter, scratch, then the unused one.
    public var roleOrder: [X86Register] {
        let used = ebpf + [context, counter, scratch]
        return used + X86Register.allCases.filter { $0 != .rsp && !used.contains($0) }
    }

    /// Builds a map from the first 14 of `registers` in role order (R0–R10, context,
    /// counter, scratch). If the scratch position holds rax, rcx or rdx, it is swapped with the
    /// first later role, or failing that the last earlier role, that holds another register, so
    /// any permutation of the usable registers yields a valid map.
    public static func fromRoleOrder(_ registers: [X86Register]) throws(JITError) -> RegisterMap {
        guard registers.count >= 14 else { throw .invalidRegisterMap("needs 14 registers, got \(registers.count)") }
        var order = registers
        let forbidden: Set<X86Register> = [.rax, .rcx, .rdx]
        if forbidden.contains(order[13]) {
            if let swap = (14..<order.count).first(where: { !forbidden.contains(order[$0]) })
                ?? (0..<13).reversed().first(where: { !forbidden.contains(order[$0]) }) {
                order.swapAt(13, swap)
            }
        }
        return try RegisterMap(ebpf: Array(order[0..<11]), context: order[11], counter: order[12], scratch: order[13])
    }

    /// The default's role order rotated by `steps` (role i gets the register of role i + steps).
    public static func rotated(by steps: Int) -> RegisterMap {
        let order = RegisterMap.default.roleOrder
        let n = order.count
        let rotated = (0..<n).map { order[(($0 + steps) % n + n) % n] }
        return try! fromRoleOrder(rotated)
    }

    /// A random valid map.
    public static func random(using generator: inout some RandomNumberGenerator) -> RegisterMap {
        try! fromRoleOrder(RegisterMap.default.roleOrder.shuffled(using: &generator))
    }

    /// The eBPF register `n`'s x86 register.
    @inlinable public subscript(ebpfRegister n: UInt8) -> X86Register { ebpf[Int(n)] }

    public var description: String {
        let names = ebpf.enumerated().map { "r\($0.offset)=\($0.element)" }.joined(separator: " ")
        return "\(names) ctx=\(context) counter=\(counter) scratch=\(scratch)"
    }
}
