import EBPFCore
import X86Encoding

/// Idioms of clang's BPF output lowered as a group: several consecutive slots of one basic block
/// become fewer x86 instructions (the later slots' code is empty, their labels bound after the
/// group's code).
extension Lowering {
    /// Consecutive slots lowered together.
    struct Fusion {
        enum Code {
            case lea(X86Register, X86Memory)
            /// `mov dst32, src32` (zero-extends).
            case zeroExtend(X86Register, X86Register)
            /// `movzx dst, src8/16` (zero-extends to 64 bits) or `movsx dst, src8/16/32` at `width`
            /// (a 32-bit one zero-extends the upper half).
            case extend(signed: Bool, OperandWidth, X86Register, X86Register, from: OperandWidth)
            /// `[mov copy.0, copy.1]; [shift.0 shift.1, shift.2]; rol rotated, count`.
            case rotate(copy: (X86Register, X86Register)?, shift: (X86ShiftOperation, X86Register, UInt8)?,
                        rotated: X86Register, count: UInt8)
            /// `[mov other.0, source; other.1 other.0, other.2]; mov target, source; rol target, count`.
            case rotateCopy(other: (X86Register, X86ShiftOperation, UInt8)?, source: X86Register, target: X86Register, count: UInt8)
            /// A conditional jump over an unconditional one: one jump, taken when the first is not.
            case invertedBranch(Comparison, target: Int)
            /// `op [address], source` at the access's width.
            case memoryOperation(X86ALUOperation, OperandWidth, X86Memory, ALUSource)
            /// One load of `bytes` (2, 4 or 8) bytes into the register, zero-extended, swapped
            /// when big-endian (``combinedLoad(at:)``).
            case combinedLoad(X86Register, X86Memory, bytes: Int, bigEndian: Bool)
            /// A load at a scaled-index address (``indexedAccess(at:)``).
            case load(OperandWidth, X86Register, X86Memory, signExtends: Bool)
            /// A store at a scaled-index address (``indexedAccess(at:)``).
            case store(OperandWidth, X86Memory, ALUSource)
        }
        let slots: Int
        let code: Code
    }

    /// Emits a group's code.
    mutating func emitFused(_ code: Fusion.Code) {
        switch code {
        case .lea(let dst, let address):
            a.lea(dst, address)
        case .zeroExtend(let dst, let src):
            a.mov(.bits32, dst, src)
        case .extend(let signed, let width, let dst, let src, let from):
            if signed {
                a.movsx(from == .bits32 ? .bits64 : width, dst, .register(src), from: from)
            } else {
                a.movzx(dst, .register(src), from: from)
            }
        case .rotate(let copy, let shift, let rotated, let count):
            if let (dst, src) = copy { a.mov(.bits64, dst, src) }
            if let (operation, register, shiftCount) = shift { a.shift(operation, .bits64, register, count: shiftCount) }
            a.shift(.rol, .bits64, rotated, count: count)
        case .rotateCopy(let other, let source, let target, let count):
            if let (register, operation, shiftCount) = other {
                a.mov(.bits64, register, source)
                a.shift(operation, .bits64, register, count: shiftCount)
            }
            a.mov(.bits64, target, source)
            a.shift(.rol, .bits64, target, count: count)
        case .invertedBranch(let comparison, let target):
            a.jcc(emitCompare(comparison).negated, slotLabels[target])
        case .memoryOperation(let operation, let width, let address, let source):
            switch source {
            case .register(let register): a.alu(operation, width, address, register)
            case .immediate(let immediate): a.alu(operation, width, address, immediate: immediate)
            }
        case .combinedLoad(let dst, let address, let bytes, let bigEndian):
            emitCombinedLoad(dst, address, bytes: bytes, bigEndian: bigEndian)
        case .load(let width, let dst, let address, let signExtends):
            emitLoad(width, dst, address, signExtends: signExtends)
        case .store(let width, let address, let source):
            switch source {
            case .register(let register): a.mov(width, address, register)
            case .immediate(let immediate): a.mov(width, address, immediate: immediate)
            }
        }
    }

    /// `dst` = the `bytes` bytes at `address`, zero-extended, in reverse order when `bigEndian`:
    /// `movzx` (+ `rol r16, 8`, which leaves the zeroed upper bits alone) for 2 bytes; for 4 and
    /// 8, `movbe` with ``JITOptions/useMOVBE``, else `mov` (+ `bswap`).
    mutating func emitCombinedLoad(_ dst: X86Register, _ address: X86Memory, bytes: Int, bigEndian: Bool) {
        if bytes == 2 {
            a.movzx(dst, .memory(address), from: .bits16)
            if bigEndian { a.shift(.rol, .bits16, dst, count: 8) }
            return
        }
        let width: OperandWidth = bytes == 4 ? .bits32 : .bits64
        if bigEndian && options.useMOVBE {
            a.movbe(width, dst, address)
        } else {
            a.mov(width, dst, address)
            if bigEndian { a.bswap(width, dst) }
        }
    }

    /// Idioms one or a few x86 instructions do, within one basic block (no later slot of the
    /// group is a leader: none counts budget or is a jump target):
    /// - `mov64 dst, src` + `add64 dst, imm` / `sub64 dst, imm` / `add64 dst, reg` → `lea dst, [src + imm]` / `[src + reg]`
    ///   (not with constant blinding, which keeps immediates out of the code);
    /// - `[mov dst, src] + lsh dst, c + rsh/arsh dst, c` (64 bits: c = 32, 48, 56; 32 bits:
    ///   c = 16, 24) → `mov dst32, src32` / `movzx` / `movsx` (zero- or sign-extension of the low
    ///   bits);
    /// - `mov64 a, b` + `lsh64` of one and `rsh64` of the other by k and 64 - k + `or64` of one
    ///   into the other → `rol` by k, keeping the other register's shifted value only when a
    ///   later instruction may read it (``RegisterLiveness``); also through two copies, `mov a, b;
    ///   shift a; mov c, b; shift c; or` → `mov; rol` (b unchanged);
    /// - `ldx r, [b+o]` + `add/sub/and/or/xor r, imm/reg` + `stx [b+o], r` (4 or 8 bytes, the
    ///   ALU op 64-bit for 8, r dead after, neither access needing a run-time check) →
    ///   `op [b+o], imm/reg` (not with an immediate under constant blinding);
    /// - `jcc +1` + `ja T` (the `ja` no jump target) → `j!cc T`, when the budget is not counted
    ///   (it would count the `ja` on one path only);
    /// - `[lsh i, 1–3] + mov b, x + [add b, imm] + add b, i + ldx/stx/st [b + off]` → one access
    ///   at `[x + i·scale + imm + off]` (``indexedAccess(at:)``);
    /// - loads of bytes shifted and ored into 2, 4 or 8 consecutive bytes in one register, and a
    ///   load followed by a byte swap → one load (`movbe`, or `mov` + `bswap`/`rol`):
    ///   ``combinedLoad(at:)``.
    ///
    /// (`mutating` though it changes nothing: called once per slot from the mutating emission,
    /// a non-mutating call made the optimizer copy the whole lowering each time.)
    mutating func fusion(at pc: Int) -> Fusion? {
        /// The operation at `pc + k` if that slot runs and does not start a block.
        func inBlock(_ k: Int) -> DecodedOperation? {
            guard pc + k < analysis.slots.count, continuesGroup(pc + k),
                  case .operation(let operation) = analysis.slots[pc + k] else { return nil }
            return operation
        }
        /// The extension a shift pair at `pc + k` and `pc + k + 1` does on `dst` (its second
        /// slot in the block): `lsh dst, c` then `rsh`/`arsh dst, c` at the same width.
        func shiftPairExtension(_ first: DecodedOperation, then k: Int, _ dst: UInt8) -> (signed: Bool, width: ALUWidth, bits: OperandWidth)? {
            guard case .alu(.lsh, let width, dst, .immediate(let count)) = first,
                  case .alu(let right, width, dst, .immediate(count)) = inBlock(k + 1),
                  right == .rsh || right == .arsh else { return nil }
            let kept: OperandWidth
            switch (width, count) {
            case (.bits64, 32): kept = .bits32
            case (.bits64, 48), (.bits32, 16): kept = .bits16
            case (.bits64, 56), (.bits32, 24): kept = .bits8
            default: return nil
            }
            return (right == .arsh, width, kept)
        }
        func extensionCode(_ pair: (signed: Bool, width: ALUWidth, bits: OperandWidth), _ dst: X86Register, _ src: X86Register) -> Fusion.Code {
            if !pair.signed && pair.bits == .bits32 { return .zeroExtend(dst, src) }
            return .extend(signed: pair.signed, OperandWidth(pair.width), dst, src, from: pair.bits)
        }

        guard case .operation(let first) = analysis.slots[pc] else { return nil }
        if let access = indexedAccess(at: pc) { return access }
        if case .load = first, let combined = combinedLoad(at: pc) { return combined }
        if case .load(let size, let value, let base, let offset, false) = first, value != base,
           size.byteCount == 4 || size.byteCount == 8,
           case .alu(let operation, let aluWidth, value, let operand) = inBlock(1),
           size.byteCount == 4 || aluWidth == .bits64,
           case .store(size, base, offset, .register(value)) = inBlock(2),
           let x86Operation = Self.memoryOperation(operation), operand.register != value,
           !liveness.isLive(value, after: pc + 2), accessNeedsNoCheck(at: pc), accessNeedsNoCheck(at: pc + 2) {
            let source: ALUSource
            switch operand {
            case .register(let register): source = .register(r(register))
            case .immediate(let immediate):
                guard !blindsConstants else { return nil }
                source = .immediate(immediate)
            }
            return Fusion(slots: 3, code: .memoryOperation(x86Operation, OperandWidth(byteCount: size.byteCount)!, .at(r(base), Int32(offset)), source))
        }
        if case .alu(.lsh, _, let dst, _) = first, let pair = shiftPairExtension(first, then: 0, dst) {
            return Fusion(slots: 2, code: extensionCode(pair, r(dst), r(dst)))
        }
        if case .conditionalJump(let condition, let width, let dst, let source, pc + 2) = first, !budgetEnabled,
           analysis.isValidTarget(pc + 2), !analysis.controlFlow.isBranchTarget[pc + 1],
           case .operation(.jump(let target)) = analysis.slots[pc + 1], analysis.isValidTarget(target) {
            return Fusion(slots: 2, code: .invertedBranch(Comparison(condition: condition, width: width, dst: dst, source: source), target: target))
        }
        if case .alu(.mov, .bits32, let dstNumber, .register(let srcNumber)) = first,
           let second = inBlock(1), let pair = shiftPairExtension(second, then: 1, dstNumber), pair.width == .bits32 {
            return Fusion(slots: 3, code: extensionCode(pair, r(dstNumber), r(srcNumber)))
        }
        guard case .alu(.mov, .bits64, let dstNumber, .register(let srcNumber)) = first, dstNumber != srcNumber,
              let second = inBlock(1) else { return nil }
        let dst = r(dstNumber)
        let src = r(srcNumber)
        if let pair = shiftPairExtension(second, then: 1, dstNumber), pair.width == .bits64 {
            return Fusion(slots: 3, code: extensionCode(pair, dst, src))
        }
        if let rotate = rotation(copy: dstNumber, of: srcNumber, second, inBlock(2), inBlock(3), endingAt: pc + 3) {
            return Fusion(slots: 4, code: rotate)
        }
        if let rotate = rotationThroughTwoCopies(dstNumber, of: srcNumber, second, inBlock(2), inBlock(3), inBlock(4), endingAt: pc + 4) {
            return Fusion(slots: 5, code: rotate)
        }
        switch second {
        case .alu(.add, .bits64, dstNumber, .immediate(let immediate)) where !blindsConstants:
            return Fusion(slots: 2, code: .lea(dst, .at(src, immediate)))
        case .alu(.sub, .bits64, dstNumber, .immediate(let immediate)) where !blindsConstants && immediate != .min:
            return Fusion(slots: 2, code: .lea(dst, .at(src, -immediate)))
        case .alu(.add, .bits64, dstNumber, .register(let index)) where index != dstNumber:
            return Fusion(slots: 2, code: .lea(dst, X86Memory(base: src, index: r(index), scale: 1)))
        default:
            return nil
        }
    }

    /// Whether a group ``fusion(at:)`` finds may start with `operation`: a load, a left shift, a
    /// conditional jump or a register move; the emission asks ``fusion(at:)`` only then (a call
    /// per slot that finds nothing costs more than this test).
    static func mayStartFusion(_ operation: DecodedOperation) -> Bool {
        switch operation {
        case .load, .conditionalJump, .alu(.lsh, _, _, _), .alu(.mov, _, _, .register): true
        default: false
        }
    }

    /// After `mov64 copy, original`: `second` and `third` shift `copy` and `original` (one each,
    /// either order) left by k and right by 64 - k, and `fourth` ors one into the other, which
    /// then holds `original` rotated left by k. The group's code, or nil if the slots are not that.
    func rotation(copy: UInt8, of original: UInt8, _ second: DecodedOperation, _ third: DecodedOperation?,
                  _ fourth: DecodedOperation?, endingAt last: Int) -> Fusion.Code? {
        guard case .alu(let firstShift, .bits64, let firstRegister, .immediate(let firstCount)) = second,
              case .alu(let secondShift, .bits64, let secondRegister, .immediate(let secondCount)) = third,
              case .alu(.or, .bits64, let target, .register(let other)) = fourth,
              (firstRegister == copy && secondRegister == original) || (firstRegister == original && secondRegister == copy),
              (target == copy && other == original) || (target == original && other == copy),
              (firstShift == .lsh && secondShift == .rsh) || (firstShift == .rsh && secondShift == .lsh),
              (1...63).contains(firstCount), firstCount + secondCount == 64 else { return nil }
        let left = firstShift == .lsh ? firstCount : secondCount
        // `other` keeps its shifted value: needed only if something may read it later.
        let otherShift = (other == firstRegister ? firstShift : secondShift) == .lsh ? X86ShiftOperation.shl : .shr
        let otherCount = other == firstRegister ? firstCount : secondCount
        let otherDead = !liveness.isLive(other, after: last)
        if otherDead && target == original {
            return .rotate(copy: nil, shift: nil, rotated: r(original), count: UInt8(left))
        }
        return .rotate(copy: (r(copy), r(original)),
                       shift: otherDead ? nil : (otherShift, r(other), UInt8(otherCount)),
                       rotated: r(target), count: UInt8(left))
    }

    /// After `mov64 first, original`: `second` shifts `first`, `third` is `mov64 copy, original`,
    /// `fourth` shifts `copy` the other way (k and 64 - k), `fifth` ors one copy into the other,
    /// which then holds `original` rotated left by k (`original` itself unchanged). The group's
    /// code (the other copy's shift kept only when it may be read later), or nil.
    func rotationThroughTwoCopies(_ first: UInt8, of original: UInt8, _ second: DecodedOperation, _ third: DecodedOperation?,
                                  _ fourth: DecodedOperation?, _ fifth: DecodedOperation?, endingAt last: Int) -> Fusion.Code? {
        guard case .alu(let firstShift, .bits64, first, .immediate(let firstCount)) = second,
              case .alu(.mov, .bits64, let copy, .register(original)) = third, copy != first, copy != original,
              case .alu(let secondShift, .bits64, copy, .immediate(let secondCount)) = fourth,
              case .alu(.or, .bits64, let target, .register(let other)) = fifth,
              (target == copy && other == first) || (target == first && other == copy),
              (firstShift == .lsh && secondShift == .rsh) || (firstShift == .rsh && secondShift == .lsh),
              (1...63).contains(firstCount), firstCount + secondCount == 64,
              // The code reads `original` after shifting the other copy: not in the same x86 register.
              r(first) != r(original), r(copy) != r(original) else { return nil }
        let left = firstShift == .lsh ? firstCount : secondCount
        let otherShift = (other == first ? firstShift : secondShift) == .lsh ? X86ShiftOperation.shl : .shr
        let otherCount = other == first ? firstCount : secondCount
        let otherKept = liveness.isLive(other, after: last) ? (r(other), otherShift, UInt8(otherCount)) : nil
        return .rotateCopy(other: otherKept, source: r(original), target: r(target), count: UInt8(left))
    }

    /// The x86 operation of a read-modify-write whose low bits depend only on the operands' low
    /// bits (so a 4-byte access works with either ALU width), or nil.
    static func memoryOperation(_ operation: BinaryOperator) -> X86ALUOperation? {
        switch operation {
        case .add: .add
        case .sub: .sub
        case .and: .and
        case .or: .or
        case .xor: .xor
        default: nil
        }
    }

    /// Whether the load or store at `pc` is emitted without a run-time check (proven by the
    /// verifier's facts or by ``AddressAnalysis``).
    func accessNeedsNoCheck(at pc: Int) -> Bool {
        Self.accessNeedsNoCheck(at: pc, facts: facts, accessChecks: accessChecks)
    }

    static func accessNeedsNoCheck(at pc: Int, facts: VerifiedFacts?, accessChecks: [AddressAnalysis.AccessCheck]) -> Bool {
        if let facts, pc < facts.accessIsSafe.count, facts.accessIsSafe[pc] { return true }
        guard !accessChecks.isEmpty else { return false }
        if case .none = accessChecks[pc] { return true }
        return false
    }

    /// Whether slot `pc` may be a later slot of a fused group: it does not start a block and is
    /// emitted in place (not a ``SunkCopies`` copy).
    func continuesGroup(_ pc: Int) -> Bool {
        !analysis.controlFlow.isLeader[pc] && !sunkCopies.contains(pc)
    }
}
