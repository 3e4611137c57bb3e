import EBPFCore

/// Which stack slots of the current frame may be read, before they are written again, on some
/// path from each instruction (the kernel's stack-slot liveness). The bounded walk ignores dead
/// slots when it compares states: a map key built on the stack before each lookup, or a value
/// spilled and never loaded again, no longer keeps otherwise equal states apart.
///
/// Two data-flow passes per function over the control-flow graph, both on
/// ``EBPFCore/WorklistSolver``: forward, where each register may point into the function's own
/// frame (``FrameAddress``: R10 + c, somewhere in it, or not at all); backward, the stack bytes
/// that may be read — a load through R10 + c reads its bytes, through a pointer into the frame at
/// an unknown offset every byte; a store through R10 + c writes its bytes; a helper given a
/// pointer into the frame may read from it to the frame's top (every byte for `.anything` or an
/// unknown offset); a local call may read every byte (through pointers the callee was given);
/// `exit` ends the frame. Unreachable code (no forward state) leaves every byte live.
struct StackLiveness {
    /// Whether a register may hold an address in the function's own frame.
    enum FrameAddress: Hashable, Sendable {
        /// A number, or a pointer anywhere but this frame.
        case elsewhere
        /// The map `lddw` loaded with this handle (so a helper's key and value sizes are known).
        case map(Int32)
        /// R10 + offset.
        case frame(Int64)
        /// May point into the frame, at an offset not known.
        case anywhere

        func joined(_ other: FrameAddress) -> FrameAddress {
            if self == other { return self }
            if !mayPointIntoFrame && !other.mayPointIntoFrame { return .elsewhere }
            return .anywhere
        }

        var mayPointIntoFrame: Bool {
            switch self {
            case .elsewhere, .map: false
            case .frame, .anywhere: true
            }
        }
    }

    /// R0–R10 and what each stack slot of the frame holds at a point, for the forward pass (a
    /// spilled stack pointer comes back as one; anything else stored is not one).
    struct Registers: DataflowState {
        /// R0–R10, then the 64 slots.
        var values: [FrameAddress]

        static let slotBase = 11

        mutating func join(_ other: Registers) -> Bool {
            var changed = false
            for index in values.indices {
                let joined = values[index].joined(other.values[index])
                if joined != values[index] {
                    values[index] = joined
                    changed = true
                }
            }
            return changed
        }

        /// The slot an access of `size` bytes at R10 + `offset` covers exactly (8 bytes, aligned).
        static func wholeSlot(offset: Int64, size: Int) -> Int? {
            guard size == 8, offset % 8 == 0, offset >= -Int64(ExecutionLimits.stackFrameSize), offset < 0 else { return nil }
            return FunctionFrame.position(ofOffset: Int(offset)).slot
        }

        /// The slots an access of `size` bytes at R10 + `offset` may touch.
        static func slots(offset: Int64, size: Int) -> ClosedRange<Int>? {
            let frame = Int64(ExecutionLimits.stackFrameSize)
            let start = max(offset, -frame)
            let end = min(offset + Int64(size), 0)
            guard start < end else { return nil }
            return FunctionFrame.position(ofOffset: Int(start)).slot...FunctionFrame.position(ofOffset: Int(end) - 1).slot
        }

        /// Something may have stored `value` into any of `slots`.
        mutating func mayStore(_ value: FrameAddress, into slots: ClosedRange<Int>) {
            for slot in slots { values[Self.slotBase + slot] = values[Self.slotBase + slot].joined(value) }
        }

        mutating func mayStoreAnywhere(_ value: FrameAddress) {
            mayStore(value, into: 0...(FunctionFrame.slotCount - 1))
        }
    }

    /// Bit `i` of word `i / 64`: byte R10 − 512 + i may be read.
    struct LiveBytes: DataflowState {
        var words: SIMD8<UInt64>

        static let none = LiveBytes(words: SIMD8(repeating: 0))
        static let all = LiveBytes(words: SIMD8(repeating: .max))

        mutating func join(_ other: LiveBytes) -> Bool {
            let joined = words | other.words
            guard joined != words else { return false }
            words = joined
            return true
        }

        /// Marks (or clears) the bytes at `offset..<offset + size` from R10, clipped to the frame.
        mutating func set(offset: Int64, size: Int64, live: Bool) {
            let frame = Int64(ExecutionLimits.stackFrameSize)
            let start = max(offset + frame, 0)
            let end = min(offset + size + frame, frame)
            guard start < end else { return }
            for byte in start..<end {
                let (word, bit) = (Int(byte / 64), UInt64(byte % 64))
                if live { words[word] |= 1 << bit } else { words[word] &= ~(1 << bit) }
            }
        }

        /// The live bytes of slot `slot` (``FunctionFrame/stack`` numbering): bit `i` for byte `i`
        /// in address order.
        func mask(ofSlot slot: Int) -> UInt8 {
            UInt8(truncatingIfNeeded: words[slot / 8] >> UInt64(8 * (slot % 8)))
        }
    }

    /// The stack bytes of the current frame that may be read before being written on some path
    /// from each prune point (``PrunePoints``: where states are compared); absent elsewhere.
    let liveBytes: [Int: LiveBytes]

    init(_ program: DecodedProgram, helpers: HelperRegistry, maps: [Int32: MapDescriptor], isPrunePoint: [Bool]) {
        let graph = program.controlFlow
        let addresses = Self.frameAddresses(program, helpers: helpers)
        var live: [Int: LiveBytes] = [:]
        var solver = WorklistSolver<LiveBytes>(blockCount: graph.blocks.count, direction: .backward)
        for block in graph.blocks.indices { solver.merge(.none, into: block) }
        while let block = solver.nextBlock() {
            var bytes = solver.state(of: block)!
            for pc in graph.blocks[block].slots.reversed() {
                guard let operation = program[pc], let registers = addresses[pc] else { continue }
                Self.transfer(operation, registers: registers, &bytes, helpers: helpers, maps: maps)
                if isPrunePoint[pc] { live[pc] = bytes }
            }
            for predecessor in graph.blocks[block].predecessors {
                solver.merge(bytes, into: predecessor)
            }
        }
        liveBytes = live
    }

    /// The backward effect of one instruction on the live bytes.
    private static func transfer(
        _ operation: DecodedOperation, registers: [FrameAddress], _ bytes: inout LiveBytes, helpers: HelperRegistry,
        maps: [Int32: MapDescriptor]
    ) {
        switch operation {
        case .load(let size, _, let base, let offset, _):
            switch registers[Int(base)] {
            case .frame(let address): bytes.set(offset: address + Int64(offset), size: Int64(size.byteCount), live: true)
            case .anywhere: bytes = .all
            case .elsewhere, .map: break
            }
        case .store(let size, let base, let offset, _):
            if case .frame(let address) = registers[Int(base)] {
                bytes.set(offset: address + Int64(offset), size: Int64(size.byteCount), live: false)
            }
        case .atomic(_, let size, let base, let offset, _):
            switch registers[Int(base)] {
            case .frame(let address): bytes.set(offset: address + Int64(offset), size: Int64(size.byteCount), live: true)
            case .anywhere: bytes = .all
            case .elsewhere, .map: break
            }
        case .callHelper(let id):
            let arguments = helpers[id]?.signature.arguments ?? Array(repeating: .anything, count: 5)
            // The map the key and value arguments belong to.
            var map: MapDescriptor?
            for (index, argument) in arguments.enumerated() where index < 5 && argument == .mapPointer {
                if case .map(let handle) = registers[index + 1] { map = maps[handle] }
            }
            for (index, argument) in arguments.enumerated() where index < 5 {
                switch (argument, registers[index + 1]) {
                case (_, .elsewhere), (_, .map), (.scalar, _), (.memorySize, _), (.mapPointer, _), (.context, _):
                    continue
                case (.anything, _), (.callbackContext, _), (_, .anywhere):
                    // A bpf_loop callback may read its context anywhere in the frame.
                    bytes = .all
                case (.mapKey, .frame(let address)) where map != nil:
                    bytes.set(offset: address, size: Int64(map!.keySize), live: true)
                case (.mapValue, .frame(let address)) where map != nil:
                    bytes.set(offset: address, size: Int64(map!.valueSize), live: true)
                case (_, .frame(let address)):
                    // Read from the pointer up (the size is in a register).
                    bytes.set(offset: address, size: -address, live: true)
                }
            }
        case .callRegister, .callLocal:
            bytes = .all
        case .exit:
            bytes = .none
        default:
            break
        }
    }

    /// The forward pass: for each instruction, what each register may point to before it.
    private static func frameAddresses(_ program: DecodedProgram, helpers: HelperRegistry) -> [[FrameAddress]?] {
        let graph = program.controlFlow
        var result = [[FrameAddress]?](repeating: nil, count: program.count)
        var solver = WorklistSolver<Registers>(blockCount: graph.blocks.count)
        var entry = [FrameAddress](repeating: .elsewhere, count: Registers.slotBase + FunctionFrame.slotCount)
        entry[10] = .frame(0)
        // R1–R5 of a callee may point into its caller's frame, never into its own.
        for start in graph.subprogramStarts {
            if let block = graph.block(startingAt: start) { solver.merge(Registers(values: entry), into: block) }
        }
        while let block = solver.nextBlock() {
            var registers = solver.state(of: block)!
            for pc in graph.blocks[block].slots {
                guard let operation = program[pc] else { continue }
                result[pc] = registers.values
                step(operation, &registers, helpers: helpers)
            }
            for successor in graph.blocks[block].successors {
                solver.merge(registers, into: successor)
            }
        }
        return result
    }

    private static func step(_ operation: DecodedOperation, _ state: inout Registers, helpers: HelperRegistry) {
        switch operation {
        case .alu(let op, let width, let dst, let source):
            let target = Int(dst)
            guard width == .bits64 else {
                state.values[target] = .elsewhere
                return
            }
            let value = state.values[target]
            switch (op, source) {
            case (.mov, .register(let src)):
                state.values[target] = state.values[Int(src)]
            case (.mov, .immediate):
                state.values[target] = .elsewhere
            case (.add, .immediate(let constant)), (.sub, .immediate(let constant)):
                switch value {
                case .frame(let address):
                    state.values[target] = .frame(op == .add ? address &+ Int64(constant) : address &- Int64(constant))
                case .map:
                    state.values[target] = .elsewhere
                case .elsewhere, .anywhere:
                    break
                }
            case (.add, .register(let src)):
                let either = value.mayPointIntoFrame || state.values[Int(src)].mayPointIntoFrame
                state.values[target] = either ? .anywhere : .elsewhere
            case (.sub, .register):
                // pointer − number stays a pointer (pointer − pointer is a number: kept wide).
                state.values[target] = value.mayPointIntoFrame ? .anywhere : .elsewhere
            default:
                // Other operations on pointers are refused by the verifier: the result is a number.
                state.values[target] = .elsewhere
            }
        case .loadImmediate64(let dst, let kind, let value):
            let isMap = kind == .mapByFD || kind == .mapByIndex
            state.values[Int(dst)] = isMap ? .map(Int32(truncatingIfNeeded: value)) : .elsewhere
        case .negate(_, let dst), .byteSwap(_, let dst), .moveSignExtended(_, let dst, _, _):
            state.values[Int(dst)] = .elsewhere
        case .packetLoad:
            state.values[0] = .elsewhere
        case .load(let size, let dst, let base, let offset, let signExtends):
            // Only an 8-byte load from the stack can bring back a spilled pointer.
            var loaded = FrameAddress.elsewhere
            if size == .double && !signExtends {
                switch state.values[Int(base)] {
                case .frame(let address):
                    if let slot = Registers.wholeSlot(offset: address &+ Int64(offset), size: 8) {
                        loaded = state.values[Registers.slotBase + slot]
                    }
                case .anywhere:
                    loaded = .anywhere
                case .elsewhere, .map:
                    break
                }
            }
            state.values[Int(dst)] = loaded
        case .store(let size, let base, let offset, let value):
            var stored = FrameAddress.elsewhere
            if case .register(let src) = value { stored = state.values[Int(src)] }
            switch state.values[Int(base)] {
            case .frame(let address):
                let start = address &+ Int64(offset)
                if let slot = Registers.wholeSlot(offset: start, size: size.byteCount) {
                    state.values[Registers.slotBase + slot] = stored
                } else if let slots = Registers.slots(offset: start, size: size.byteCount) {
                    // A narrow store leaves data (a pointer cannot be stored in part).
                    for slot in slots { state.values[Registers.slotBase + slot] = .elsewhere }
                }
            case .anywhere:
                state.mayStoreAnywhere(stored)
            case .elsewhere, .map:
                break
            }
        case .jump, .conditionalJump, .exit:
            break
        case .atomic(let op, let size, let base, let offset, let src):
            switch state.values[Int(base)] {
            case .frame(let address):
                if let slots = Registers.slots(offset: address &+ Int64(offset), size: size.byteCount) {
                    for slot in slots { state.values[Registers.slotBase + slot] = .elsewhere }
                }
            case .anywhere:
                state.mayStoreAnywhere(.elsewhere)
            case .elsewhere, .map:
                break
            }
            switch op {
            case .cmpxchg: state.values[0] = .elsewhere
            case .fetchAdd, .fetchOr, .fetchAnd, .fetchXor, .xchg: state.values[Int(src)] = .elsewhere
            case .add, .or, .and, .xor: break
            }
        case .callHelper(let id) where helpers[id]?.intrinsic == .loop:
            // bpf_loop's callback, like a callee, may store pointers through its context.
            if (1...5).contains(where: { state.values[$0].mayPointIntoFrame }) { state.mayStoreAnywhere(.anywhere) }
            state.values[0] = .elsewhere
            for register in 1...5 { state.values[register] = .elsewhere }
        case .callHelper, .callRegister:
            // A helper given a pointer into the frame may write data there (not pointers).
            if (1...5).contains(where: { state.values[$0].mayPointIntoFrame }) { state.mayStoreAnywhere(.elsewhere) }
            for register in 0...5 { state.values[register] = .elsewhere }
        case .callLocal:
            // The callee may store one pointer into this frame through another, and return one.
            if (1...5).contains(where: { state.values[$0].mayPointIntoFrame }) { state.mayStoreAnywhere(.anywhere) }
            state.values[0] = .anywhere
            for register in 1...5 { state.values[register] = .elsewhere }
        }
    }
}
