import EBPFCore

extension Interpreter {
    /// Sets up the entry registers and runs the dispatch loop over `dispatchSlots`.
    func execute(
        memory: UnsafeMutableRawBufferPointer, stack: UnsafeMutableRawBufferPointer
    ) throws(ExecutionTrap) -> (result: UInt64, executed: UInt64) {
        try dispatchSlots.withUnsafeBufferPointer { (slots) throws(ExecutionTrap) in
            try dispatchLoop(slots: slots, space: AddressSpace(memory: memory, stack: stack))
        }
    }

    /// The interpreter proper: fetch, count, dispatch on the opcode byte.
    ///
    /// Speed notes (the loop is the whole cost of interpretation):
    /// - Registers are an `InlineArray<16, UInt64>` indexed by the 4-bit register fields, so every
    ///   index is provably in bounds and the optimizer drops the bounds checks (an 11-element
    ///   array would keep them).
    /// - Hot state (`pc`, the count, the budget, the slot pointer) is in locals, never
    ///   address-taken, so it stays in machine registers.
    /// - One `switch` on the raw opcode byte compiles to a single jump table; the rarely used
    ///   semantics live in `@inline(__always)` helpers and the trap paths in `@inline(never)` ones.
    /// - Arithmetic uses the wrapping operators (`&+`, `&*`, `&<<` which also masks the shift count
    ///   exactly as eBPF does), so there are no overflow checks.
    /// - No slot needs a validity test: `dispatchSlots` holds markers where a slot cannot run, and
    ///   the invariant documented there keeps `pc` inside the buffer.
    /// - Conditional jumps only compute `taken` and share one tail after the switch.
    func dispatchLoop(
        slots: UnsafeBufferPointer<Instruction>, space initialSpace: AddressSpace
    ) throws(ExecutionTrap) -> (result: UInt64, executed: UInt64) {
        var space = initialSpace
        var r = InlineArray<16, UInt64>(repeating: 0)
        r[1] = space.memoryStart
        r[2] = space.memoryCount
        r[10] = space.stackStart &+ AddressSpace.stackCount
        var frames = CallFrames()
        let budget = limits.instructionBudget
        var executed: UInt64 = 0
        var pc = 0

        while true {
            let insn = slots[pc]
            executed &+= 1
            let d = Int(insn.registers & 0x0f)
            let s = Int(insn.registers >> 4)
            let imm = insn.immediate
            /// The immediate sign-extended to 64 bits (ALU64, JMP and `stdw` operands).
            let imm64 = UInt64(bitPattern: Int64(imm))
            /// The immediate's 32 bits (ALU and JMP32 operands).
            let imm32 = UInt32(bitPattern: imm)
            let taken: Bool

            switch insn.opcode {
            // MARK: ALU64
            case 0x07: r[d] = r[d] &+ imm64; pc &+= 1; continue
            case 0x0f: r[d] = r[d] &+ r[s]; pc &+= 1; continue
            case 0x17: r[d] = r[d] &- imm64; pc &+= 1; continue
            case 0x1f: r[d] = r[d] &- r[s]; pc &+= 1; continue
            case 0x27: r[d] = r[d] &* imm64; pc &+= 1; continue
            case 0x2f: r[d] = r[d] &* r[s]; pc &+= 1; continue
            case 0x37:
                r[d] = insn.offset == 0 ? Arithmetic.divide64(r[d], imm64) : Arithmetic.signedDivide64(r[d], imm64)
                pc &+= 1; continue
            case 0x3f:
                r[d] = insn.offset == 0 ? Arithmetic.divide64(r[d], r[s]) : Arithmetic.signedDivide64(r[d], r[s])
                pc &+= 1; continue
            case 0x47: r[d] = r[d] | imm64; pc &+= 1; continue
            case 0x4f: r[d] = r[d] | r[s]; pc &+= 1; continue
            case 0x57: r[d] = r[d] & imm64; pc &+= 1; continue
            case 0x5f: r[d] = r[d] & r[s]; pc &+= 1; continue
            case 0x67: r[d] = r[d] &<< imm64; pc &+= 1; continue
            case 0x6f: r[d] = r[d] &<< r[s]; pc &+= 1; continue
            case 0x77: r[d] = r[d] &>> imm64; pc &+= 1; continue
            case 0x7f: r[d] = r[d] &>> r[s]; pc &+= 1; continue
            case 0x87: r[d] = 0 &- r[d]; pc &+= 1; continue
            case 0x97:
                r[d] = insn.offset == 0 ? Arithmetic.remainder64(r[d], imm64) : Arithmetic.signedRemainder64(r[d], imm64)
                pc &+= 1; continue
            case 0x9f:
                r[d] = insn.offset == 0 ? Arithmetic.remainder64(r[d], r[s]) : Arithmetic.signedRemainder64(r[d], r[s])
                pc &+= 1; continue
            case 0xa7: r[d] = r[d] ^ imm64; pc &+= 1; continue
            case 0xaf: r[d] = r[d] ^ r[s]; pc &+= 1; continue
            case 0xb7: r[d] = imm64; pc &+= 1; continue
            case 0xbf:
                r[d] = insn.offset == 0 ? r[s] : Arithmetic.signExtend64(r[s], fromBits: insn.offset)
                pc &+= 1; continue
            case 0xc7: r[d] = Arithmetic.arithmeticShiftRight64(r[d], imm64); pc &+= 1; continue
            case 0xcf: r[d] = Arithmetic.arithmeticShiftRight64(r[d], r[s]); pc &+= 1; continue
            case 0xd7: r[d] = Arithmetic.byteSwap(r[d], bits: imm); pc &+= 1; continue

            // MARK: ALU (32-bit): operate on the low halves, zero-extend the result
            case 0x04: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &+ imm32); pc &+= 1; continue
            case 0x0c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &+ UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x14: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &- imm32); pc &+= 1; continue
            case 0x1c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &- UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x24: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &* imm32); pc &+= 1; continue
            case 0x2c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &* UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x34:
                let a = UInt32(truncatingIfNeeded: r[d])
                r[d] = UInt64(insn.offset == 0 ? Arithmetic.divide32(a, imm32) : Arithmetic.signedDivide32(a, imm32))
                pc &+= 1; continue
            case 0x3c:
                let a = UInt32(truncatingIfNeeded: r[d]), b = UInt32(truncatingIfNeeded: r[s])
                r[d] = UInt64(insn.offset == 0 ? Arithmetic.divide32(a, b) : Arithmetic.signedDivide32(a, b))
                pc &+= 1; continue
            case 0x44: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) | imm32); pc &+= 1; continue
            case 0x4c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) | UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x54: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) & imm32); pc &+= 1; continue
            case 0x5c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) & UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x64: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &<< imm32); pc &+= 1; continue
            case 0x6c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &<< UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x74: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &>> imm32); pc &+= 1; continue
            case 0x7c: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) &>> UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0x84: r[d] = UInt64(0 &- UInt32(truncatingIfNeeded: r[d])); pc &+= 1; continue
            case 0x94:
                let a = UInt32(truncatingIfNeeded: r[d])
                r[d] = UInt64(insn.offset == 0 ? Arithmetic.remainder32(a, imm32) : Arithmetic.signedRemainder32(a, imm32))
                pc &+= 1; continue
            case 0x9c:
                let a = UInt32(truncatingIfNeeded: r[d]), b = UInt32(truncatingIfNeeded: r[s])
                r[d] = UInt64(insn.offset == 0 ? Arithmetic.remainder32(a, b) : Arithmetic.signedRemainder32(a, b))
                pc &+= 1; continue
            case 0xa4: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) ^ imm32); pc &+= 1; continue
            case 0xac: r[d] = UInt64(UInt32(truncatingIfNeeded: r[d]) ^ UInt32(truncatingIfNeeded: r[s])); pc &+= 1; continue
            case 0xb4: r[d] = UInt64(imm32); pc &+= 1; continue
            case 0xbc: r[d] = Arithmetic.signExtend32(r[s], fromBits: insn.offset); pc &+= 1; continue
            case 0xc4:
                r[d] = UInt64(Arithmetic.arithmeticShiftRight32(UInt32(truncatingIfNeeded: r[d]), UInt64(imm32)))
                pc &+= 1; continue
            case 0xcc:
                r[d] = UInt64(Arithmetic.arithmeticShiftRight32(UInt32(truncatingIfNeeded: r[d]), r[s]))
                pc &+= 1; continue
            case 0xd4: r[d] = Arithmetic.toLittleEndian(r[d], bits: imm); pc &+= 1; continue
            case 0xdc: r[d] = Arithmetic.byteSwap(r[d], bits: imm); pc &+= 1; continue

            // MARK: Loads
            case 0x18:  // lddw (src 0; other kinds are markers): the high half is in the next slot
                r[d] = UInt64(imm32) | UInt64(UInt32(bitPattern: slots[pc &+ 1].immediate)) << 32
                pc &+= 2; continue
            case 0x61:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                r[d] = UInt64(try space.pointer(address, size: 4, pc: pc, isWrite: false).loadUnaligned(as: UInt32.self))
                pc &+= 1; continue
            case 0x69:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                r[d] = UInt64(try space.pointer(address, size: 2, pc: pc, isWrite: false).loadUnaligned(as: UInt16.self))
                pc &+= 1; continue
            case 0x71:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                r[d] = UInt64(try space.pointer(address, size: 1, pc: pc, isWrite: false).load(as: UInt8.self))
                pc &+= 1; continue
            case 0x79:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                r[d] = try space.pointer(address, size: 8, pc: pc, isWrite: false).loadUnaligned(as: UInt64.self)
                pc &+= 1; continue
            case 0x81:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                let value = try space.pointer(address, size: 4, pc: pc, isWrite: false).loadUnaligned(as: Int32.self)
                r[d] = UInt64(bitPattern: Int64(value))
                pc &+= 1; continue
            case 0x89:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                let value = try space.pointer(address, size: 2, pc: pc, isWrite: false).loadUnaligned(as: Int16.self)
                r[d] = UInt64(bitPattern: Int64(value))
                pc &+= 1; continue
            case 0x91:
                let address = r[s] &+ UInt64(bitPattern: Int64(insn.offset))
                let value = try space.pointer(address, size: 1, pc: pc, isWrite: false).load(as: Int8.self)
                r[d] = UInt64(bitPattern: Int64(value))
                pc &+= 1; continue

            // MARK: Stores
            case 0x62:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 4, pc: pc, isWrite: true).storeBytes(of: imm32, as: UInt32.self)
                pc &+= 1; continue
            case 0x6a:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 2, pc: pc, isWrite: true)
                    .storeBytes(of: UInt16(truncatingIfNeeded: imm), as: UInt16.self)
                pc &+= 1; continue
            case 0x72:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 1, pc: pc, isWrite: true)
                    .storeBytes(of: UInt8(truncatingIfNeeded: imm), as: UInt8.self)
                pc &+= 1; continue
            case 0x7a:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 8, pc: pc, isWrite: true).storeBytes(of: imm64, as: UInt64.self)
                pc &+= 1; continue
            case 0x63:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 4, pc: pc, isWrite: true)
                    .storeBytes(of: UInt32(truncatingIfNeeded: r[s]), as: UInt32.self)
                pc &+= 1; continue
            case 0x6b:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 2, pc: pc, isWrite: true)
                    .storeBytes(of: UInt16(truncatingIfNeeded: r[s]), as: UInt16.self)
                pc &+= 1; continue
            case 0x73:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 1, pc: pc, isWrite: true)
                    .storeBytes(of: UInt8(truncatingIfNeeded: r[s]), as: UInt8.self)
                pc &+= 1; continue
            case 0x7b:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                try space.pointer(address, size: 8, pc: pc, isWrite: true).storeBytes(of: r[s], as: UInt64.self)
                pc &+= 1; continue

            // MARK: Atomics (plain read-modify-write: one run is one thread)
            case 0xc3:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                let pointer = try space.pointer(address, size: 4, pc: pc, isWrite: true)
                let old = Atomics.apply32(imm, at: pointer, operand: UInt32(truncatingIfNeeded: r[s]),
                                          expected: UInt32(truncatingIfNeeded: r[0]))
                if imm == Atomics.cmpxchg { r[0] = UInt64(old) } else if imm & Atomics.fetch != 0 { r[s] = UInt64(old) }
                pc &+= 1; continue
            case 0xdb:
                let address = r[d] &+ UInt64(bitPattern: Int64(insn.offset))
                let pointer = try space.pointer(address, size: 8, pc: pc, isWrite: true)
                let old = Atomics.apply64(imm, at: pointer, operand: r[s], expected: r[0])
                if imm == Atomics.cmpxchg { r[0] = old } else if imm & Atomics.fetch != 0 { r[s] = old }
                pc &+= 1; continue

            // MARK: Legacy packet loads: out of range ends the program with 0
            case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50:
                let base: UInt32 = insn.opcode >= 0x40 ? UInt32(truncatingIfNeeded: r[s]) : 0
                let size: UInt64 = insn.opcode & 0x18 == 0x10 ? 1 : (insn.opcode & 0x18 == 0x08 ? 2 : 4)
                guard let value = space.packetLoad(offset: UInt64(base &+ imm32), size: size) else {
                    return (0, executed)
                }
                r[0] = value
                pc &+= 1; continue

            // MARK: Calls and exit
            case 0x85:
                if s == Int(CallKind.local.rawValue) {
                    guard frames.canCall else { throw Self.callDepthTrap(pc: pc) }
                    frames.push(returnIndex: pc &+ 1, registers: r)
                    r[10] = r[10] &- UInt64(ExecutionLimits.stackFrameSize)
                    pc = pc &+ Int(imm) &+ 1
                    continue
                }
                guard imm >= 0 else { throw unknownHelperTrap(pc: pc) }
                let helper = resolvedHelpers[Int(imm)]
                r[0] = helper.body(r[1], r[2], r[3], r[4], r[5])
                if helper.returnedRegionSize != 0 && r[0] != 0 {
                    space.returnedRegions.add(start: r[0], size: helper.returnedRegionSize)
                }
                pc &+= 1; continue
            case 0x8d:
                let id = Int64(bitPattern: r[d])
                guard let helperID = Int32(exactly: id), let found = helpers[helperID] else {
                    throw Self.unknownHelperTrap(pc: pc, id: id)
                }
                let helper = ResolvedHelper(found)
                r[0] = helper.body(r[1], r[2], r[3], r[4], r[5])
                if helper.returnedRegionSize != 0 && r[0] != 0 {
                    space.returnedRegions.add(start: r[0], size: helper.returnedRegionSize)
                }
                pc &+= 1; continue
            case 0x95:
                if frames.depth == 1 { return (r[0], executed) }
                pc = frames.pop(into: &r)
                continue

            // MARK: Jumps (64-bit compares; the immediate is sign-extended)
            case 0x05: taken = true
            case 0x15: taken = r[d] == imm64
            case 0x1d: taken = r[d] == r[s]
            case 0x25: taken = r[d] > imm64
            case 0x2d: taken = r[d] > r[s]
            case 0x35: taken = r[d] >= imm64
            case 0x3d: taken = r[d] >= r[s]
            case 0x45: taken = r[d] & imm64 != 0
            case 0x4d: taken = r[d] & r[s] != 0
            case 0x55: taken = r[d] != imm64
            case 0x5d: taken = r[d] != r[s]
            case 0x65: taken = Int64(bitPattern: r[d]) > Int64(imm)
            case 0x6d: taken = Int64(bitPattern: r[d]) > Int64(bitPattern: r[s])
            case 0x75: taken = Int64(bitPattern: r[d]) >= Int64(imm)
            case 0x7d: taken = Int64(bitPattern: r[d]) >= Int64(bitPattern: r[s])
            case 0xa5: taken = r[d] < imm64
            case 0xad: taken = r[d] < r[s]
            case 0xb5: taken = r[d] <= imm64
            case 0xbd: taken = r[d] <= r[s]
            case 0xc5: taken = Int64(bitPattern: r[d]) < Int64(imm)
            case 0xcd: taken = Int64(bitPattern: r[d]) < Int64(bitPattern: r[s])
            case 0xd5: taken = Int64(bitPattern: r[d]) <= Int64(imm)
            case 0xdd: taken = Int64(bitPattern: r[d]) <= Int64(bitPattern: r[s])

            // MARK: JMP32 (compare the low 32 bits)
            case 0x06:  // ja32 (gotol): the offset is the 32-bit immediate
                let jumpPC = pc
                pc = pc &+ Int(imm) &+ 1
                if imm < 0 && executed > budget { throw Self.budgetTrap(pc: jumpPC, executed: executed) }
                continue
            case 0x16: taken = UInt32(truncatingIfNeeded: r[d]) == imm32
            case 0x1e: taken = UInt32(truncatingIfNeeded: r[d]) == UInt32(truncatingIfNeeded: r[s])
            case 0x26: taken = UInt32(truncatingIfNeeded: r[d]) > imm32
            case 0x2e: taken = UInt32(truncatingIfNeeded: r[d]) > UInt32(truncatingIfNeeded: r[s])
            case 0x36: taken = UInt32(truncatingIfNeeded: r[d]) >= imm32
            case 0x3e: taken = UInt32(truncatingIfNeeded: r[d]) >= UInt32(truncatingIfNeeded: r[s])
            case 0x46: taken = UInt32(truncatingIfNeeded: r[d]) & imm32 != 0
            case 0x4e: taken = UInt32(truncatingIfNeeded: r[d]) & UInt32(truncatingIfNeeded: r[s]) != 0
            case 0x56: taken = UInt32(truncatingIfNeeded: r[d]) != imm32
            case 0x5e: taken = UInt32(truncatingIfNeeded: r[d]) != UInt32(truncatingIfNeeded: r[s])
            case 0x66: taken = Int32(truncatingIfNeeded: r[d]) > imm
            case 0x6e: taken = Int32(truncatingIfNeeded: r[d]) > Int32(truncatingIfNeeded: r[s])
            case 0x76: taken = Int32(truncatingIfNeeded: r[d]) >= imm
            case 0x7e: taken = Int32(truncatingIfNeeded: r[d]) >= Int32(truncatingIfNeeded: r[s])
            case 0xa6: taken = UInt32(truncatingIfNeeded: r[d]) < imm32
            case 0xae: taken = UInt32(truncatingIfNeeded: r[d]) < UInt32(truncatingIfNeeded: r[s])
            case 0xb6: taken = UInt32(truncatingIfNeeded: r[d]) <= imm32
            case 0xbe: taken = UInt32(truncatingIfNeeded: r[d]) <= UInt32(truncatingIfNeeded: r[s])
            case 0xc6: taken = Int32(truncatingIfNeeded: r[d]) < imm
            case 0xce: taken = Int32(truncatingIfNeeded: r[d]) < Int32(truncatingIfNeeded: r[s])
            case 0xd6: taken = Int32(truncatingIfNeeded: r[d]) <= imm
            case 0xde: taken = Int32(truncatingIfNeeded: r[d]) <= Int32(truncatingIfNeeded: r[s])

            // MARK: Markers (slots that cannot run, see DispatchMarker)
            default:
                if insn.opcode == DispatchMarker.conditionalJumpToBadTarget
                    && !JumpCondition.holds(program.instructions[pc], registers: r)
                {
                    pc &+= 1; continue
                }
                throw staticTrap(at: pc)
            }

            // Shared tail of `ja` and the conditional jumps. A taken jump with a negative offset
            // (target <= its own index) is a back-edge: the only place the budget is checked.
            if taken {
                let jumpPC = pc
                pc = pc &+ Int(insn.offset) &+ 1
                if insn.offset < 0 && executed > budget { throw Self.budgetTrap(pc: jumpPC, executed: executed) }
            } else {
                pc &+= 1
            }
        }
    }

    // MARK: Cold paths, out of line so they do not bloat the loop.

    @inline(never)
    static func budgetTrap(pc: Int, executed: UInt64) -> ExecutionTrap {
        .budgetExhausted(pc: pc, executed: executed)
    }

    @inline(never)
    static func callDepthTrap(pc: Int) -> ExecutionTrap {
        .callDepthExceeded(pc: pc, depth: ExecutionLimits.maxCallDepth)
    }

    @inline(never)
    static func unknownHelperTrap(pc: Int, id: Int64) -> ExecutionTrap {
        .unknownHelper(pc: pc, id: id)
    }

    /// `call N` with an id that was not registered when the interpreter was built.
    @inline(never)
    func unknownHelperTrap(pc: Int) -> ExecutionTrap {
        .unknownHelper(pc: pc, id: Int64(program.instructions[pc].immediate))
    }

    @inline(never)
    func staticTrap(at pc: Int) -> ExecutionTrap {
        staticTraps[pc] ?? .fellOffEnd(programCount: program.count)
    }
}
