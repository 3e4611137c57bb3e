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
    public func link(
        _ program: Program, maps: [Int32: BPFMap], name: String = "", license: String? = nil
    ) throws(LinkError) -> LinkedProgram {
        var slots = program.instructions
        var used: [Int32: BPFMap] = [:]
        var index = 0
        while index < slots.count {
            let instruction = slots[index]
            if instruction.opcode == Opcode.lddw {
                guard index + 1 < slots.count else { throw .truncatedWideLoad(index: index) }
                if let address = try resolve(wideLoad: instruction, second: slots[index + 1], at: index, maps: maps, used: &used) {
                    slots[index].src = 0
                    slots[index].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: address))
                    slots[index + 1].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: address >> 32))
                }
                index += 2
                continue
            }
            index += 1
        }
        var registry = helpers
        if helpers[KernelHelpers.tailCallID] != nil {
            try appendTailCallTrampolines(&slots)
            registry.register(KernelHelpers.tailCallResult)
        }
        var regions: [MemoryRegion] = []
        for handle in used.keys.sorted() { regions += used[handle]!.regions }
        return LinkedProgram(
            name: name, verifierProgram: program, program: Program(unchecked: slots), helpers: registry,
            maps: maps, regions: regions, license: license)
    }

    /// The 64-bit constant that replaces a map `lddw`, or `nil` for a plain constant.
    private func resolve(
        wideLoad: Instruction, second: Instruction, at index: Int, maps: [Int32: BPFMap], used: inout [Int32: BPFMap]
    ) throws(LinkError) -> UInt64? {
        switch LoadImmediateKind(rawValue: wideLoad.src) {
        case .constant:
            return nil
        case .mapByFD:
            guard let map = maps[wideLoad.immediate] else { throw .unknownMap(index: index, handle: wideLoad.immediate) }
            used[wideLoad.immediate] = map
            return map.programAddress
        case .mapValueByFD:
            let handle = wideLoad.immediate
            let offset = UInt32(bitPattern: second.immediate)
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
        default:
            throw .unsupportedLoadKind(index: index, kind: wideLoad.src)
        }
    }

    private func appendTailCallTrampolines(_ slots: inout [Instruction]) throws(LinkError) {
        let original = slots.count
        var firstSubprogram = original
        var sites: [Int] = []
        var index = 0
        while index < original {
            let instruction = slots[index]
            if instruction.opcode == Opcode.call {
                if instruction.src == CallKind.local.rawValue {
                    let target = index + Int(instruction.immediate) + 1
                    if target > index, target < firstSubprogram { firstSubprogram = target }
                } else if instruction.src == CallKind.helper.rawValue, instruction.immediate == KernelHelpers.tailCallID {
                    sites.append(index)
                }
            }
            index += instruction.opcode == Opcode.lddw ? 2 : 1
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
