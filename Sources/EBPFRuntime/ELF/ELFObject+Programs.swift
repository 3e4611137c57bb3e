import EBPFCore

extension ELFObject {
    /// A function's place in its section, in 8-byte slots.
    struct Function: Hashable {
        let name: String
        let sectionIndex: Int
        let start: Int
        let count: Int
        let isGlobal: Bool
    }

    /// A local call or function address to patch once every function has its place: the slot of
    /// the `call local` or `lddw` in the linked program and the target, as a slot of a section.
    private struct CallFixup {
        let callIndex: Int
        let target: Function
        let targetSlot: Int
    }

    static func readPrograms(_ file: ELFFile, maps: [ELFMap]) throws(ELFError) -> [ELFProgram] {
        var functionsBySection: [Int: [Function]] = [:]
        for section in file.sections where section.isExecutable && section.size > 0 {
            guard section.size % 8 == 0 else {
                throw .invalidSection(index: section.index, offset: section.headerOffset + 32, reason: "code size \(section.size) is not a multiple of 8")
            }
            functionsBySection[section.index] = try functions(in: section, file)
        }
        var programs: [ELFProgram] = []
        for section in file.sections where functionsBySection[section.index] != nil {
            let functions = functionsBySection[section.index]!
            let entries = section.name == ".text" ? functions.filter(\.isGlobal) : functions
            for entry in entries {
                programs.append(try link(entry, file: file, maps: maps, functionsBySection: functionsBySection))
            }
        }
        return programs
    }

    /// The functions of an executable section, from its `STT_FUNC` symbols (the whole section as
    /// one function named after it when it has none, as for hand-written assembly).
    private static func functions(in section: ELFFile.Section, _ file: ELFFile) throws(ELFError) -> [Function] {
        let symbols = file.symbols
            .filter { $0.sectionIndex == section.index && $0.type == ELFFile.Symbol.typeFunction }
            .sorted { $0.value < $1.value }
        guard !symbols.isEmpty else {
            return [Function(name: section.name, sectionIndex: section.index, start: 0, count: section.size / 8, isGlobal: true)]
        }
        var functions: [Function] = []
        for (position, symbol) in symbols.enumerated() {
            guard symbol.value % 8 == 0, symbol.value < UInt64(section.size) else {
                throw .invalidSymbol(index: symbol.index, offset: symbol.entryOffset + 8, reason: "function '\(symbol.name)' is not at an instruction of its section")
            }
            let start = Int(symbol.value) / 8
            let limit = position + 1 < symbols.count ? Int(min(symbols[position + 1].value, UInt64(section.size))) / 8 : section.size / 8
            var count = limit - start
            if symbol.size > 0 {
                guard symbol.size % 8 == 0, symbol.size <= UInt64(section.size) - symbol.value else {
                    throw .invalidSymbol(index: symbol.index, offset: symbol.entryOffset + 16, reason: "function '\(symbol.name)' size \(symbol.size) does not fit its section")
                }
                count = Int(symbol.size) / 8
            }
            guard count > 0 else { continue }
            functions.append(Function(
                name: symbol.name, sectionIndex: section.index, start: start, count: count,
                isGlobal: symbol.binding != ELFFile.Symbol.bindingLocal))
        }
        return functions
    }

    /// Builds one program: the entry function, then every function reachable by local calls, with
    /// relocations applied and call offsets recomputed for the new layout.
    private static func link(
        _ entry: Function, file: ELFFile, maps: [ELFMap], functionsBySection: [Int: [Function]]
    ) throws(ELFError) -> ELFProgram {
        var slots: [Instruction] = []
        var fileOffsets: [Int] = []
        var bases: [Function: Int] = [:]
        var queue: [Function] = [entry]
        var queued: Set<Function> = [entry]
        var fixups: [CallFixup] = []
        var mapIndexes: Set<Int> = []

        func enqueueCall(at callIndex: Int, sectionIndex: Int, slot: Int, relocationOffset: Int) throws(ELFError) {
            guard let candidates = functionsBySection[sectionIndex] else {
                throw .invalidRelocation(offset: relocationOffset, reason: "call into a section that holds no code")
            }
            guard let target = candidates.first(where: { slot >= $0.start && slot < $0.start + $0.count }) else {
                throw .invalidRelocation(offset: relocationOffset, reason: "call target slot \(slot) is not inside a function")
            }
            fixups.append(CallFixup(callIndex: callIndex, target: target, targetSlot: slot))
            if queued.insert(target).inserted { queue.append(target) }
        }

        var next = 0
        while next < queue.count {
            let function = queue[next]
            next += 1
            let section = file.sections[function.sectionIndex]
            let base = slots.count
            bases[function] = base
            let codeOffset = section.offset + function.start * 8
            let code = try file.reader.bytes(codeOffset, count: function.count * 8)
            var functionSlots: [Instruction] = []
            for start in stride(from: 0, to: code.count, by: 8) {
                var word: UInt64 = 0
                for byte in 0..<8 { word |= UInt64(code[start + byte]) << (8 * UInt64(byte)) }
                functionSlots.append(Instruction(rawValue: word))
                fileOffsets.append(codeOffset + start)
            }
            // Which slots are `lddw`s and local calls, from the decoder. Relocations rewrite only
            // the kind and immediates of an `lddw`, never which slot holds what, so one decoding
            // of the function as read serves the relocations and the call scan below.
            let decoded = DecodedProgram(functionSlots)

            var relocated: Set<Int> = []
            let range = UInt64(function.start * 8)..<UInt64((function.start + function.count) * 8)
            for relocation in file.relocations[function.sectionIndex] ?? [] where range.contains(relocation.offset) {
                guard relocation.offset % 8 == 0 else {
                    throw .invalidRelocation(offset: relocation.entryOffset, reason: "offset \(relocation.offset) is not at an instruction")
                }
                let local = Int(relocation.offset) / 8 - function.start
                relocated.insert(local)
                let symbol = try file.symbol(for: relocation)
                switch relocation.type {
                case ELFFile.Relocation.bpf64_64:
                    guard case .loadImmediate64 = decoded[local] else {
                        throw .invalidRelocation(offset: relocation.entryOffset, reason: "R_BPF_64_64 does not apply to an lddw")
                    }
                    if symbol.sectionIndex > 0, symbol.sectionIndex < file.sections.count,
                        file.sections[symbol.sectionIndex].isExecutable
                    {
                        // A function's address (a callback for bpf_loop): the kernel's
                        // BPF_PSEUDO_FUNC, src 4 with the target relative to the next slot like
                        // a call's (libbpf: symbol value plus immediate, in bytes).
                        let byteOffset = Int64(symbol.value) + Int64(functionSlots[local].immediate)
                        let sectionSize = Int64(file.sections[symbol.sectionIndex].size)
                        guard byteOffset % 8 == 0, byteOffset >= 0, byteOffset < sectionSize else {
                            throw .invalidRelocation(
                                offset: relocation.entryOffset,
                                reason: "function address \(byteOffset) in \(file.sections[symbol.sectionIndex].name) is not at an instruction")
                        }
                        functionSlots[local].src = LoadImmediateKind.codeAddress.rawValue
                        functionSlots[local + 1].immediate = 0
                        try enqueueCall(
                            at: base + local, sectionIndex: symbol.sectionIndex, slot: Int(byteOffset / 8),
                            relocationOffset: relocation.entryOffset)
                        continue
                    }
                    var first = functionSlots[local]
                    var second = functionSlots[local + 1]
                    let mapIndex = try applyDataRelocation(&first, &second, symbol: symbol, relocation: relocation, file: file, maps: maps)
                    functionSlots[local] = first
                    functionSlots[local + 1] = second
                    mapIndexes.insert(mapIndex)
                case ELFFile.Relocation.bpf64_32:
                    guard case .callLocal(let callTarget) = decoded[local] else {
                        throw .invalidRelocation(offset: relocation.entryOffset, reason: "R_BPF_64_32 does not apply to a local call")
                    }
                    guard symbol.sectionIndex > 0, symbol.sectionIndex < file.sections.count else {
                        if symbol.sectionIndex == 0 { throw .unresolvedSymbol(name: symbol.name, offset: relocation.entryOffset) }
                        throw .invalidRelocation(offset: relocation.entryOffset, reason: "call to a symbol in special section \(symbol.sectionIndex)")
                    }
                    // The call's displacement (its decoded target is relative to the function)
                    // taken from the symbol.
                    let target = Int64(symbol.value / 8) + Int64(callTarget - local)
                    guard target >= 0, target < Int64(file.sections[symbol.sectionIndex].size / 8) else {
                        throw .invalidRelocation(offset: relocation.entryOffset, reason: "call target slot \(target) is outside its section")
                    }
                    try enqueueCall(at: base + local, sectionIndex: symbol.sectionIndex, slot: Int(target), relocationOffset: relocation.entryOffset)
                default:
                    throw .invalidRelocation(offset: relocation.entryOffset + 8, reason: "relocation type \(relocation.type) is not supported in code")
                }
            }
            // Local calls and function addresses without a relocation stay inside their section.
            for local in decoded.slots.indices where !relocated.contains(local) {
                let callTarget: Int
                switch decoded[local] {
                case .callLocal(let target): callTarget = target
                case .loadImmediate64(_, .codeAddress, _): callTarget = decoded.functionAddressTarget(at: local)!
                default: continue
                }
                let target = function.start + callTarget
                guard target >= 0, target < section.size / 8 else {
                    throw .invalidProgram(
                        name: entry.name, offset: codeOffset + local * 8, reason: "local call target \(target) is outside section \(section.name)")
                }
                try enqueueCall(at: base + local, sectionIndex: function.sectionIndex, slot: target, relocationOffset: codeOffset + local * 8)
            }
            slots += functionSlots
        }

        for fixup in fixups {
            let target = bases[fixup.target]! + fixup.targetSlot - fixup.target.start
            slots[fixup.callIndex].immediate = Int32(target - fixup.callIndex - 1)
        }

        let program: Program
        do {
            program = try Program(validating: slots)
        } catch {
            let index = min(max(error.index, 0), max(fileOffsets.count - 1, 0))
            throw .invalidProgram(name: entry.name, offset: fileOffsets.isEmpty ? 0 : fileOffsets[index], reason: error.description)
        }
        return ELFProgram(
            name: entry.name, section: file.sections[entry.sectionIndex].name, program: program,
            mapIndexes: mapIndexes.sorted())
    }

    /// Rewrites an `lddw` that refers to a map (src 1, immediate = map index) or to global data
    /// (src 2, immediate = map index, second immediate = offset in the value). Returns the map index.
    private static func applyDataRelocation(
        _ first: inout Instruction, _ second: inout Instruction, symbol: ELFFile.Symbol, relocation: ELFFile.Relocation,
        file: ELFFile, maps: [ELFMap]
    ) throws(ELFError) -> Int {
        guard symbol.sectionIndex != 0 else { throw .unresolvedSymbol(name: symbol.name, offset: relocation.entryOffset) }
        guard symbol.sectionIndex < file.sections.count else {
            throw .invalidRelocation(offset: relocation.entryOffset, reason: "symbol '\(symbol.name)' is in special section \(symbol.sectionIndex)")
        }
        let section = file.sections[symbol.sectionIndex]
        let addend = UInt64(UInt32(bitPattern: first.immediate))
        let (offset, overflow) = symbol.value.addingReportingOverflow(addend)
        if let index = maps.firstIndex(where: { $0.sectionIndex == section.index && $0.origin != .globalData && $0.sectionOffset == offset }) {
            first.src = LoadImmediateKind.mapByFD.rawValue
            first.immediate = Int32(index)
            second.immediate = 0
            return index
        }
        if let index = maps.firstIndex(where: { $0.sectionIndex == section.index && $0.origin == .globalData }) {
            guard !overflow, offset < UInt64(maps[index].definition.valueSize) else {
                throw .invalidRelocation(offset: relocation.entryOffset, reason: "offset \(offset) is past the end of \(section.name)")
            }
            first.src = LoadImmediateKind.mapValueByFD.rawValue
            first.immediate = Int32(index)
            second.immediate = Int32(bitPattern: UInt32(offset))
            return index
        }
        throw .invalidRelocation(offset: relocation.entryOffset, reason: "'\(symbol.name)' in section \(section.name) is not a map")
    }
}
