import EBPFCore
import X86Encoding

/// Trap stubs and the other out-of-line paths.
extension Lowering {
    /// A label that records a trap of `kind` at `pc` and leaves the program.
    mutating func trapStub(_ kind: TrapKind, pc: Int, value: ColdStub.TrapValue = .none, detail: Int32 = 0) -> X86Label {
        let label = a.newLabel()
        coldStubs.append(.trap(label: label, kind: kind, pc: pc, value: value, detail: detail))
        return label
    }

    /// A label that raises the invalid-instruction trap `analysis.staticTraps[index]` (the trap
    /// record's detail is the index into that table).
    mutating func staticTrap(at index: Int) -> X86Label {
        let pc = analysis.staticTraps.pc(at: index)
        return trapStub(.invalidInstruction, pc: pc, detail: Int32(index))
    }

    /// Emits every stub collected while lowering the body (stubs may add more stubs; none do today).
    mutating func emitColdStubs() {
        // The stubs emitted here are done with: a later call (after the batch entry's copy of the
        // body) emits only the ones added since.
        defer { coldStubs.removeAll() }
        var index = 0
        while index < coldStubs.count {
            let stub = coldStubs[index]
            index += 1
            switch stub {
            case .trap(let label, let kind, let pc, let value, let detail):
                a.bind(label)
                emitTrapRecord(kind: kind, pc: pc, value: value, detail: detail)
                a.jmp(trapExit)
            case .memorySlowPath(let label, let resume, let base, let offset, let size, let isWrite, let pc):
                a.bind(label)
                emitMemorySlowPath(resume: resume, base: base, offset: offset, size: size, isWrite: isWrite, pc: pc)
            case .sharedMemorySlowPath(let label):
                a.bind(label)
                emitSharedMemorySlowPath()
            case .budgetBackEdge(let label, let compare, let resume, let pc):
                a.bind(label)
                let condition = emitCompare(compare)
                a.jcc(condition, trapStub(.budgetExhausted, pc: pc, value: .register(map.counter)))
                a.jmp(resume)
            case .edgeCopies(let label, let copies, let target):
                a.bind(label)
                for copy in copies { lowerSunkCopy(at: copy) }
                a.jmp(target)
            }
        }
    }

    /// Stores the trap record fields into the context.
    mutating func emitTrapRecord(kind: TrapKind, pc: Int, value: ColdStub.TrapValue, detail: Int32) {
        let ctx = map.context
        a.mov(.bits64, .at(ctx, RunContextLayout.trapKind), immediate: kind.rawValue)
        a.mov(.bits64, .at(ctx, RunContextLayout.trapPC), immediate: Int32(truncatingIfNeeded: pc))
        switch value {
        case .none:
            break
        case .constant(let constant):
            if blindsConstants {
                // The value can be a program immediate (an unknown helper id): blind it too.
                emitBlindedConstant(UInt64(bitPattern: constant), .bits64, into: map.scratch)
                a.mov(.bits64, .at(ctx, RunContextLayout.trapValue), map.scratch)
            } else if let small = Int32(exactly: constant) {
                a.mov(.bits64, .at(ctx, RunContextLayout.trapValue), immediate: small)
            } else {
                a.mov64(map.scratch, immediate: UInt64(bitPattern: constant))
                a.mov(.bits64, .at(ctx, RunContextLayout.trapValue), map.scratch)
            }
        case .register(let register):
            a.mov(.bits64, .at(ctx, RunContextLayout.trapValue), register)
        }
        a.mov(.bits64, .at(ctx, RunContextLayout.trapDetail), immediate: detail)
    }

    /// The slow path of a bounds check, per access (cold): stores the access's info
    /// (`pc << 5 | size << 1 | isWrite`) in the trap record's detail field, puts the address in
    /// the scratch register and calls the shared routine, which returns only if the access is
    /// allowed; then resumes after the check.
    mutating func emitMemorySlowPath(resume: X86Label, base: X86Register, offset: Int32, size: Int, isWrite: Bool, pc: Int) {
        let info = TrapRecord.accessInfo(pc: pc, size: size, isWrite: isWrite)
        if let small = Int32(exactly: info) {
            a.mov(.bits64, .at(map.context, RunContextLayout.trapDetail), immediate: small)
        } else {
            a.mov64(map.scratch, immediate: info)
            a.mov(.bits64, .at(map.context, RunContextLayout.trapDetail), map.scratch)
        }
        a.lea(map.scratch, .at(base, offset))
        if sharedSlowPath == nil {
            sharedSlowPath = a.newLabel()
            coldStubs.append(.sharedMemorySlowPath(label: sharedSlowPath!))
        }
        a.call(sharedSlowPath!)
        a.jmp(resume)
    }

    /// The shared slow path: called with rsp ≡ 0 (mod 16) (the body runs at 8, plus the return
    /// address), the address in the scratch register and the info in the context. Saves the
    /// live caller-saved registers, calls ``RuntimeSupport/checkAccess`` (with the program's
    /// extra regions as constants), and returns if it allowed the access; otherwise leaves
    /// through the trap exit (which resets rsp).
    mutating func emitSharedMemorySlowPath() {
        a.lea(.rsp, .at(.rsp, -8))  // back to the body's alignment, which emitNativeCall assumes
        emitNativeCall(
            preserving: slowPathPreserved,
            moves: [(.rdi, map.context), (.rsi, map.scratch)],
            constants: [(.rdx, extraRegionPairs), (.rcx, UInt64(extraRegionCount))],
            target: .absolute(RuntimeSupport.checkAccessAddress),
            afterCall: { a in a.test(.bits64, .rax, .rax) }
        )
        a.jcc(.equal, trapExit)  // the pops and lea leave the flags alone
        a.lea(.rsp, .at(.rsp, 8))
        a.ret()
    }
}
