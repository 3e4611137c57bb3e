import EBPFCore
import X86Encoding

/// `bpf_map_lookup_elem` on an array map as an address computation in the code, as the
/// kernel's `map_gen_lookup` does: no call, no saved registers, no Swift; on a hash map, a direct
/// call of the map's own lookup function.
extension Lowering {
    /// The array layout to compute a lookup at `pc` with, when all of this holds: the code was
    /// compiled with verified facts (so R1 is one of the program's maps and R2 points at a key of
    /// its size), the helper can resolve a map address to an array layout, R1 certainly holds a
    /// known constant at the call (an `lddw` earlier in the same basic block, nothing in between
    /// writing R1), that constant is a live array map, and its sizes fit the instructions'
    /// immediates. Not with constant blinding, which keeps addresses out of the code.
    func inlinableArrayLookup(_ helper: HelperFunction, at pc: Int) -> InlineArrayLookup? {
        guard facts != nil, !blindsConstants, let resolve = helper.inlineArrayLookup,
              let mapAddress = blockLocalConstant(register: 1, before: pc),
              let lookup = resolve(mapAddress),
              lookup.maxEntries > 0, lookup.maxEntries <= Int(Int32.max),
              lookup.stride > 0, lookup.stride <= Int(Int32.max) else { return nil }
        return lookup
    }

    /// The hash map's own lookup function to call at `pc`, under the conditions of
    /// ``inlinableArrayLookup(_:at:)`` (verified facts, R1 a known constant of the call's basic
    /// block, no constant blinding) with the helper resolving that constant to a live map that
    /// has one.
    func directMapLookup(_ helper: HelperFunction, at pc: Int) -> DirectMapLookup? {
        guard facts != nil, !blindsConstants, let resolve = helper.directLookup,
              let mapAddress = blockLocalConstant(register: 1, before: pc) else { return nil }
        return resolve(mapAddress)
    }

    /// The value Rn holds whenever slot `pc` starts: the constant of the last `lddw` to Rn in
    /// pc's basic block when no instruction after it writes Rn, or nil.
    func blockLocalConstant(register number: UInt8, before pc: Int) -> UInt64? {
        var slot = pc
        while !analysis.controlFlow.isLeader[slot] {
            slot -= 1
            switch analysis.slots[slot] {
            case .wideSecondHalf:
                continue
            case .operation(let operation):
                if case .loadImmediate64(number, _, let value) = operation { return value }
                if operation.registerEffects.writes.contains(register: number) { return nil }
            case .trap, .conditionalTrap:
                return nil
            }
        }
        return nil
    }

    /// R0 = key < maxEntries ? base + key * stride : 0, the key the u32 at R2:
    /// ```
    /// mov r0d, [r2]                   ; the key, zero-extended
    /// cmp r0d, maxEntries
    /// jae null
    /// movabs scratch, base
    /// lea r0, [scratch + r0 * stride] ; stride 1, 2, 4 or 8; else imul r0, r0, stride; add
    /// jmp done
    /// null: xor r0d, r0d
    /// done:
    /// ```
    /// Only R0 and the scratch register change: R1–R5, which a call leaves undefined, keep their
    /// values, which the verified code never reads.
    mutating func emitInlineArrayLookup(_ lookup: InlineArrayLookup) {
        let r0 = r(0)
        let scratch = map.scratch
        let null = a.newLabel()
        let done = a.newLabel()
        a.mov(.bits32, r0, .at(r(2), 0))
        a.alu(.cmp, .bits32, r0, immediate: Int32(lookup.maxEntries))
        a.jcc(.aboveOrEqual, null)
        a.movabs(scratch, immediate: lookup.base)
        if [1, 2, 4, 8].contains(lookup.stride) {
            a.lea(r0, X86Memory(base: scratch, index: r0, scale: UInt8(lookup.stride)))
        } else {
            a.imul(.bits64, r0, r0, immediate: Int32(lookup.stride))
            a.alu(.add, .bits64, r0, scratch)
        }
        a.jmp(done)
        a.bind(null)
        a.alu(.xor, .bits32, r0, r0)
        a.bind(done)
    }

    /// R0 = lookup(R1, R2): the helper's call sequence (caller-saved registers holding R6–R10 or
    /// JIT state pushed, R1 and R2 moved to rdi and rsi, `movabs rax, function; call rax`), but
    /// with the map's own function as the target and R3–R5 not passed.
    mutating func emitDirectLookupCall(_ lookup: DirectMapLookup) {
        let arguments = X86Register.argumentRegisters
        let r0 = r(0)
        emitNativeCall(
            preserving: helperCallPreserved,
            moves: [(arguments[0], r(1)), (arguments[1], r(2))],
            constants: [],
            target: .absolute(lookup.address),
            afterCall: { a in if r0 != .rax { a.mov(.bits64, r0, .rax) } }
        )
    }
}
