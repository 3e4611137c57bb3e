import EBPFCore

/// The engines' form of `BPF_LD_IND` in socket filters and tc programs: the kernel takes the
/// offset (index plus immediate) as a signed 32-bit number from `skb->data`, where a negative one
/// ends the program with 0 unless it falls in the `SKF_NET_OFF` or `SKF_LL_OFF` window; the
/// engines' own `ldind` takes it as unsigned from the run's memory start. So each `ldind` of the
/// engines' program becomes a jump to a stub appended after the program, which computes the
/// offset in a register the load clobbers anyway (R1–R5: the kernel's rewriting calls a helper),
/// sorts it by sign and window, and loads with the immediate that turns it into an offset in the
/// run's memory, or ends the program with 0 (an `ldabs` no memory holds):
///
/// ```
/// site:   ja stub
/// stub:   w5 = w<index>; w5 += imm
///         if w5 s>= 0 goto load; if w5 s>= SKF_NET_OFF goto net; if w5 s>= SKF_LL_OFF goto link
///         ldabsb 0xffffffff           ; ends the program with 0
/// load:   ldind r5, packetStart       ; ja site + 1
/// net:    ldind r5, packetStart + networkHeader - SKF_NET_OFF; ja site + 1
/// link:   ldind r5, packetStart + linkHeader - SKF_LL_OFF;     ja site + 1
/// ```
///
/// The verifier checks the program as written (one `ldind` per site); the stubs only move
/// values between the registers the load clobbers and keep every load bounded by the run's
/// memory, like the trampolines of `bpf_tail_call`.
enum IndirectPacketLoadStubs {
    /// Appends a stub for every `ldind` of `decoded` (the program as the rewriter left it, whose
    /// `ldind` immediates are still the program's) and points the site at it.
    static func append(to slots: inout [Instruction], decoded: DecodedProgram, loads: ContextLayout.LegacyPacketLoads) {
        for site in decoded.slots.indices {
            guard case .packetLoad(let size, let index?, let immediate) = decoded[site] else { continue }
            let stub = slots.count
            // The scratch register: the index itself when the load clobbers it, else R5.
            let scratch: UInt8 = (1...5).contains(index) ? index : 5
            let sizeBits: UInt8 =
                switch size {
                case .byte: 0x10
                case .half: 0x08
                default: 0x00
                }
            let indirect = InstructionClass.ld.rawValue | MemoryMode.ind.rawValue | sizeBits
            func load(_ offset: Int64) -> Instruction {
                Instruction(opcode: indirect, src: scratch, immediate: Int32(truncatingIfNeeded: offset))
            }
            let start = Int64(loads.packetStart)
            // 0: mov32 scratch, index; 1: add32 scratch, imm
            slots.append(Instruction(opcode: 0xbc, dst: scratch, src: index))
            slots.append(Instruction(opcode: 0x04, dst: scratch, immediate: immediate))
            // 2-4: jsge32 scratch, bound, to the loads at 6, 8 and 10.
            slots.append(Instruction(opcode: 0x76, dst: scratch, offset: 3, immediate: 0))
            slots.append(Instruction(opcode: 0x76, dst: scratch, offset: 4, immediate: Int32(ContextLayout.LegacyPacketLoads.networkOffsetBase)))
            slots.append(Instruction(opcode: 0x76, dst: scratch, offset: 5, immediate: Int32(ContextLayout.LegacyPacketLoads.linkOffsetBase)))
            // 5: out of every window: an ldabs past any memory ends the program with 0.
            slots.append(Instruction(opcode: InstructionClass.ld.rawValue | MemoryMode.abs.rawValue | 0x10, immediate: -1))
            slots.append(load(start))
            slots.append(jump(from: stub + 7, to: site + 1))
            slots.append(load(start + Int64(loads.networkHeader) - ContextLayout.LegacyPacketLoads.networkOffsetBase))
            slots.append(jump(from: stub + 9, to: site + 1))
            slots.append(load(start + Int64(loads.linkHeader) - ContextLayout.LegacyPacketLoads.linkOffsetBase))
            slots.append(jump(from: stub + 11, to: site + 1))
            slots[site] = jump(from: site, to: stub)
        }
    }

    /// Guards each register store to `__sk_buff.queue_mapping` (already rewritten to a 2-byte
    /// store) as the kernel's rewriting does: skipped when the register, all 64 bits, is
    /// `NO_QUEUE_MAPPING` (0xffff) or more. The site jumps to `jge src, 0xffff, +1; the store;
    /// ja back`.
    static func guardQueueMappingStores(_ sites: [Int], in slots: inout [Instruction]) {
        for site in sites {
            let stub = slots.count
            let store = slots[site]
            slots.append(Instruction(opcode: 0x35, dst: store.src, offset: 1, immediate: 0xffff))
            slots.append(store)
            slots.append(jump(from: stub + 2, to: site + 1))
            slots[site] = jump(from: site, to: stub)
        }
    }

    /// `ja` (16-bit offset) when the distance fits, else `ja32` (32-bit immediate).
    private static func jump(from source: Int, to target: Int) -> Instruction {
        let distance = target - (source + 1)
        if let offset = Int16(exactly: distance) { return Instruction(opcode: Opcode.ja, offset: offset) }
        return Instruction(opcode: Opcode.ja32, immediate: Int32(distance))
    }
}
