/// What one dispatch slot does: a ``DecodedOperation`` flattened into a payload-free case that
/// names the operation, its width and its operand kind together (the operands themselves are in
/// the ``DispatchSlot``). `DispatchOperation+Decoding.swift` maps each decoded form to its case.
///
/// Why a flat enum and not ``DecodedOperation`` itself: the loop is one `switch` whose cost is its
/// dispatch, and a `switch` over a payload-free enum is one dense jump table on a one-byte tag,
/// while matching the nested payloads (operator, width, operand) would add tests and loads to
/// every instruction. Swift compiles a `switch` over integer opcode patterns into a chain of
/// comparisons that LLVM only partly turns back into jump tables, so the opcode byte is no
/// better. Flattening once, when the interpreter is built, keeps all of that out of the loop.
///
/// Suffixes: `Imm` takes the immediate, `Reg` the src register; `32` is the 32-bit (ALU, JMP32)
/// form. Memory operations are named by their mnemonic.
enum DispatchOperation: Sendable, BitwiseCopyable {
    // ALU64
    case addImm, addReg, subImm, subReg, mulImm, mulReg
    case divImm, divReg, sdivImm, sdivReg, modImm, modReg, smodImm, smodReg
    case orImm, orReg, andImm, andReg, xorImm, xorReg
    case lshImm, lshReg, rshImm, rshReg, arshImm, arshReg
    case neg, movImm, movReg, movsx8, movsx16, movsx32
    // ALU (32-bit)
    case add32Imm, add32Reg, sub32Imm, sub32Reg, mul32Imm, mul32Reg
    case div32Imm, div32Reg, sdiv32Imm, sdiv32Reg, mod32Imm, mod32Reg, smod32Imm, smod32Reg
    case or32Imm, or32Reg, and32Imm, and32Reg, xor32Imm, xor32Reg
    case lsh32Imm, lsh32Reg, rsh32Imm, rsh32Reg, arsh32Imm, arsh32Reg
    case neg32, mov32Imm, mov32Reg, movsx8To32, movsx16To32
    // Byte order
    case le16, le32, le64, be16, be32, be64, bswap16, bswap32, bswap64
    /// `ja` and `ja32` (gotol): the displacement is in the immediate.
    case ja
    // Conditional jumps, 64-bit compares
    case jeqImm, jeqReg, jneImm, jneReg, jsetImm, jsetReg
    case jgtImm, jgtReg, jgeImm, jgeReg, jltImm, jltReg, jleImm, jleReg
    case jsgtImm, jsgtReg, jsgeImm, jsgeReg, jsltImm, jsltReg, jsleImm, jsleReg
    // Conditional jumps, 32-bit compares (JMP32)
    case jeq32Imm, jeq32Reg, jne32Imm, jne32Reg, jset32Imm, jset32Reg
    case jgt32Imm, jgt32Reg, jge32Imm, jge32Reg, jlt32Imm, jlt32Reg, jle32Imm, jle32Reg
    case jsgt32Imm, jsgt32Reg, jsge32Imm, jsge32Reg, jslt32Imm, jslt32Reg, jsle32Imm, jsle32Reg
    // Calls
    case callHelper, callLocal, callx, exit
    /// `call N` of the helper tagged ``EBPFCore/HelperIntrinsic/loop`` (`bpf_loop`), run by the
    /// loop itself (``Interpreter/startLoop``); set when the interpreter resolves helpers.
    case callLoop
    // Loads and stores
    case lddw
    case ldxw, ldxh, ldxb, ldxdw, ldxsw, ldxsh, ldxsb
    case stw, sth, stb, stdw, stxw, stxh, stxb, stxdw
    case ldabsw, ldabsh, ldabsb, ldindw, ldindh, ldindb
    // Atomics
    case lockAdd, lockOr, lockAnd, lockXor
    case lockFetchAdd, lockFetchOr, lockFetchAnd, lockFetchXor, lockXchg, lockCmpxchg
    case lockAdd32, lockOr32, lockAnd32, lockXor32
    case lockFetchAdd32, lockFetchOr32, lockFetchAnd32, lockFetchXor32, lockXchg32, lockCmpxchg32
    // Superinstructions (see DispatchSlot+Fusion.swift): `mov rD, rS` then an ALU64 operation on rD
    case movAddImm, movAddReg, movSubReg, movMulImm, movAndImm, movOrReg, movXorReg
    case movLshImm, movRshImm, movArshImm
    // Markers for slots that cannot run
    /// Raise the slot's static trap when reached (also the final slot: ran past the end).
    case trap
    /// A conditional jump whose target is bad: evaluate the condition, trap if it holds.
    case conditionalJumpToBadTarget
}
