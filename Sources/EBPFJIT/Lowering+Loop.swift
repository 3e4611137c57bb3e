import EBPFCore
import X86Encoding

/// `bpf_loop` (``EBPFCore/HelperIntrinsic/loop``), lowered in line: the argument checks, then a
/// loop that calls the callback's code as a `call local` does, with the interpreter's semantics
/// (``EBPFCore/HelperIntrinsic/loop`` states them; `Interpreter.startLoop` is the reference).
///
/// The loop keeps one call frame for all its iterations: R6–R10 pushed once, then the frame's
/// padding (``Lowering/localCallPadding``, which leaves ``loopStateBytes`` spare in every frame
/// of a program that calls `bpf_loop`, so that the depth check's frame size holds for both kinds
/// of call) holds the iteration index, the count and the context. Between iterations R6–R10 are
/// reloaded from the pushed copies (the callback may have changed them), R10 moved down one
/// frame again.
extension Lowering {
    /// Bytes of loop state in a frame: index, count, context.
    static let loopStateBytes: Int32 = 24

    /// `call N` of the loop helper at `pc`.
    mutating func lowerLoopCall(at pc: Int) {
        let scratch = map.scratch
        let r0 = r(0)
        let done = a.newLabel()
        let invalidFlags = a.newLabel()
        let tooMany = a.newLabel()
        let noIterations = a.newLabel()
        // Instructions so far are counted before any check or call.
        flushCount()

        a.test(.bits64, r(4), r(4))
        a.jcc(.notEqual, invalidFlags)
        a.mov(.bits32, scratch, r(1))  // nr_loops: the low 32 bits
        a.alu(.cmp, .bits64, scratch, immediate: Int32(HelperIntrinsic.maxLoops))
        a.jcc(.above, tooMany)
        let targets = analysis.controlFlow.functionAddressTargets
        var entries: [(target: Int, label: X86Label)] = []
        for target in targets {
            let label = a.newLabel()
            a.alu(.cmp, .bits64, r(2), immediate: Int32(target))
            a.jcc(.equal, label)
            entries.append((target, label))
        }
        a.jmp(trapStub(.invalidCallback, pc: pc, value: .register(r(2))))

        for entry in entries {
            a.bind(entry.label)
            emitLoop(calling: entry.target, at: pc, noIterations: noIterations)
            a.jmp(done)
        }

        a.bind(invalidFlags)
        a.mov64(r0, immediate: HelperIntrinsic.invalidArgumentResult)
        a.jmp(done)
        a.bind(tooMany)
        a.mov64(r0, immediate: HelperIntrinsic.tooManyLoopsResult)
        a.jmp(done)
        a.bind(noIterations)
        a.mov64(r0, immediate: 0)
        a.bind(done)
    }

    /// The loop for one callback; on entry the count is in the scratch register and R3 is the
    /// context. Ends with R0 = the calls made, R1–R5 as the last call left them.
    private mutating func emitLoop(calling target: Int, at pc: Int, noIterations: X86Label) {
        let scratch = map.scratch
        let r0 = r(0)
        a.test(.bits64, scratch, scratch)
        a.jcc(.equal, noIterations)
        // The first call's checks, as for a local call (budget, then depth).
        if budgetEnabled { emitBudgetCheck(at: pc) }
        if depthCheckEnabled {
            a.alu(.cmp, .bits64, .rsp, .at(map.context, RunContextLayout.callDepthLimit))
            a.jcc(.belowOrEqual, trapStub(.callDepthExceeded, pc: pc, value: .constant(Int64(ExecutionLimits.maxCallDepth))))
        }
        for register in localCallSaved { a.push(register) }
        a.lea(.rsp, .at(.rsp, -localCallPadding))
        let index = X86Memory.at(.rsp, 0)
        let count = X86Memory.at(.rsp, 8)
        let context = X86Memory.at(.rsp, 16)
        a.mov(.bits64, count, scratch)
        a.mov(.bits64, context, r(3))
        a.mov(.bits64, index, immediate: 0)

        let iteration = a.newLabel()
        let finished = a.newLabel()
        a.bind(iteration)
        // R6–R10 as the caller had them (the pushes, in push order from the highest address).
        for (position, register) in localCallSaved.enumerated() {
            let offset = localCallPadding + Int32(localCallSaved.count - 1 - position) * 8
            a.mov(.bits64, register, .at(.rsp, offset))
        }
        if analysis.usesRegister[10] {
            a.alu(.sub, .bits64, r(10), immediate: Int32(ExecutionLimits.stackFrameSize))
        }
        a.mov(.bits64, r(1), index)
        a.mov(.bits64, r(2), context)
        for n: UInt8 in [3, 4, 5, 0] { a.alu(.xor, .bits32, r(n), r(n)) }
        a.call(slotLabels[target])
        a.mov(.bits64, scratch, index)
        a.alu(.add, .bits64, scratch, immediate: 1)
        a.mov(.bits64, index, scratch)
        a.test(.bits64, r0, r0)
        a.jcc(.notEqual, finished)
        a.alu(.cmp, .bits64, scratch, count)
        a.jcc(.aboveOrEqual, finished)
        if budgetEnabled { emitBudgetCheck(at: pc) }
        a.jmp(iteration)

        a.bind(finished)
        a.mov(.bits64, r0, scratch)
        a.lea(.rsp, .at(.rsp, localCallPadding))
        for register in localCallSaved.reversed() { a.pop(register) }
    }
}
