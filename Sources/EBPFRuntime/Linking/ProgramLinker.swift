import EBPFCore

/// Turns a program that refers to maps by handle into one the engines can run (see
/// ``LinkedProgram``).
///
/// Rewrites, slot for slot:
/// - `lddw rN, map` (src 1, immediate = handle) → `lddw rN, <address of the map>` (src 0), the
///   pointer the map helpers recognise;
/// - `lddw rN, map value + offset` (src 2, immediate = handle, second immediate = offset; array
///   maps, element 0, as the kernel's direct value access) → the value's address (src 0).
///
/// Tail calls: a successful `bpf_tail_call` must not return to its caller, which a C helper cannot
/// arrange. So each `call 12` becomes a jump to a trampoline appended after the program:
///
/// ```
/// T+0  call 12                  ; runs the target program; R0 = 0 when it ran, -errno if not
/// T+1  if r0 == 0 goto T+3
/// T+2  goto <after the call>    ; failed: continue like the kernel
/// T+3  call tail_call_result    ; R0 = the target's R0
/// T+4  exit
/// ```
///
/// Only calls in the entry function can be rewritten this way (an `exit` in a local function
/// would return to its caller), so a tail call after the first local-call target is a
/// ``LinkError/tailCallInSubprogram(index:)``.
public struct ProgramLinker: Sendable {
    /// The helpers linked programs get (``HelperRegistry/kernel`` plus the runtime's internal
    /// tail-call result helper).
    public var helpers: HelperRegistry

    public init(helpers: HelperRegistry = .kernel) {
        self.helpers = helpers
    }

    /// Links `program`, whose map `lddw`s name handles in `maps`.
    ///
    /// - Parameter type: what the program is written against: for a type with a context
    ///   (``ProgramType/contextLayout``) every access through the context pointer is rewritten
    ///   to the runtime's block (``ContextAccessRewriter``), in ``LinkedProgram/verifierProgram``
    ///   and ``LinkedProgram/program`` alike.
    public func link(
        _ program: Program, maps: [Int32: BPFMap], name: String = "", license: String? = nil, type: ProgramType = .raw
    ) throws(LinkError) -> LinkedProgram {
        // An unchecked program may end in half an lddw; the decoder says so.
        if case .missingWideSecondHalf(let index)? = program.decoded.decodeError { throw .truncatedWideLoad(index: index) }
        var program = program
        var guardedStores: [Int] = []
        if let layout = type.contextLayout {
            let rewritten = try ContextAccessRewriter(layout: layout).rewriteWithGuards(program)
            program = Program(unchecked: rewritten.slots)
            guardedStores = rewritten.guardedStores
        }
        var slots = program.instructions
        var used: [Int32: BPFMap] = [:]
        for index in slots.indices {
            guard case .loadImmediate64(_, let kind, let value) = program.decoded[index] else { continue }
            if let address = try resolve(kind: kind, operand: value, at: index, maps: maps, used: &used) {
                slots[index].src = LoadImmediateKind.constant.rawValue
                slots[index].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: address))
                slots[index + 1].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: address >> 32))
            }
        }
        var registry = helpers
        if helpers[KernelHelpers.tailCallID] != nil {
            try appendTailCallTrampolines(&slots, decoded: program.decoded)
            registry.register(KernelHelpers.tailCallResult)
        }
        if let loads = type.contextLayout?.legacyPacketLoads {
            IndirectPacketLoadStubs.append(to: &slots, decoded: program.decoded, loads: loads)
        }
        IndirectPacketLoadStubs.guardQueueMappingStores(guardedStores, in: &slots)
        var regions: [MemoryRegion] = []
        for handle in used.keys.sorted() { regions += used[handle]!.regions }
        return LinkedProgram(
            name: name, verifierProgram: program, program: Program(unchecked: slots), helpers: registry,
            maps: maps, regions: regions, license: license, type: type)
    }

    /// The 64-bit constant that replaces a map `lddw` of `kind` whose operand is `operand` (handle
    /// in the low 32 bits, value offset in the high 32 bits), or `nil` for a plain constant.
    private func resolve(
        kind: LoadImmediateKind, operand: UInt64, at index: Int, maps: [Int32: BPFMap], used: inout [Int32: BPFMap]
    ) throws(LinkError) -> UInt64? {
        let handle = Int32(truncatingIfNeeded: operand)
        switch kind {
        case .constant, .codeAddress:
            // A function address stays: the engines load its target's slot index.
            return nil
        case .mapByFD:
            guard let map = maps[handle] else { throw .unknownMap(index: index, handle: handle) }
            used[handle] = map
            return map.programAddress
        case .mapValueByFD:
            let offset = UInt32(truncatingIfNeeded: operand >> 32)
            guard let map = maps[handle] else { throw .unknownMap(index: index, handle: handle) }
            guard let array = map as? ArrayMap, let value = array.valueAddress(0) else {
                throw .invalidMapValueReference(index: index, handle: handle, offset: offset, reason: "not an array map")
            }
            guard Int(offset) < map.definition.valueSize else {
                throw .invalidMapValueReference(
                    index: index, handle: handle, offset: offset,
                    reason: "offset is past the \(map.definition.valueSize)-byte value")
            }
            used[handle] = map
            return UInt64(UInt(bitPattern: value)) + UInt64(offset)
        case .variableAddress, .mapByIndex, .mapValueByIndex:
            throw .unsupportedLoadKind(index: index, kind: kind.rawValue)
        }
    }

    /// `decoded` is the program as given: linking rewrites only `lddw` operands, so its calls are
    /// those of `slots`.
    private func appendTailCallTrampolines(_ slots: inout [Instruction], decoded: DecodedProgram) throws(LinkError) {
        var firstSubprogram = slots.count
        var sites: [Int] = []
        for index in decoded.slots.indices {
            switch decoded[index] {
            case .callLocal(let target):
                if target > index, target < firstSubprogram { firstSubprogram = target }
            case .callHelper(KernelHelpers.tailCallID):
                sites.append(index)
            default:
                break
            }
        }
        for site in sites {
            guard site < firstSubprogram else { throw .tailCallInSubprogram(index: site) }
            let trampoline = slots.count
            slots[site] = Self.jump(from: site, to: trampoline)
            slots.append(Instruction(opcode: Opcode.call, immediate: KernelHelpers.tailCallID))
            // jeq r0, 0, +1
            slots.append(Instruction(opcode: 0x15, dst: 0, offset: 1, immediate: 0))
            slots.append(Self.jump(from: trampoline + 2, to: site + 1))
            slots.append(Instruction(opcode: Opcode.call, immediate: KernelHelpers.tailCallResultID))
            slots.append(Instruction(opcode: Opcode.exit))
        }
    }

    /// `ja` (16-bit offset) when the distance fits, else `ja32` (32-bit immediate).
    private static func jump(from source: Int, to target: Int) -> Instruction {
        let distance = target - (source + 1)
        if let offset = Int16(exactly: distance) {
            return Instruction(opcode: Opcode.ja, offset: offset)
        }
        return Instruction(opcode: Opcode.ja32, immediate: Int32(distance))
    }
}
