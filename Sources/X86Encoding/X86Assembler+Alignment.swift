/// Padding for ``X86Assembler/alignNextInstruction()``: Intel's recommended multi-byte NOP
/// sequences (Intel SDM Vol. 2B, "NOP—No Operation", Table 4-12).
extension X86Assembler {
    /// The most padding one alignment point can need (16-byte boundaries).
    static let maximumPadding = 15

    /// The recommended single NOP instructions of 1 to 9 bytes, indexed by length − 1.
    static let recommendedNOPs: [[UInt8]] = [
        [0x90],                                                  // nop
        [0x66, 0x90],                                            // 66 nop  (xchg ax, ax)
        [0x0f, 0x1f, 0x00],                                      // nop dword ptr [eax]
        [0x0f, 0x1f, 0x40, 0x00],                                // nop dword ptr [eax + 0x00]
        [0x0f, 0x1f, 0x44, 0x00, 0x00],                          // nop dword ptr [eax + eax*1 + 0x00]
        [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],                    // 66 nop word ptr [eax + eax*1 + 0x00]
        [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],              // nop dword ptr [eax + 0x00000000]
        [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],        // nop dword ptr [eax + eax*1 + 0x00000000]
        [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],  // 66 nop word ptr [eax + eax*1 + 0x00000000]
    ]

    /// `length` bytes of NOPs: as few instructions as possible, each the recommended sequence of
    /// its length (9-byte NOPs first, then the remainder), so the padding decodes in one or two
    /// instructions. Empty for 0.
    public static func nopPadding(_ length: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        appendNOPPadding(length, to: &bytes)
        return bytes
    }

    /// Appends ``nopPadding(_:)``'s bytes to `bytes` without building an array of them first.
    static func appendNOPPadding(_ length: Int, to bytes: inout [UInt8]) {
        precondition(length >= 0, "negative padding")
        var remaining = length
        while remaining > 0 {
            let piece = min(remaining, recommendedNOPs.count)
            bytes.append(contentsOf: recommendedNOPs[piece - 1])
            remaining -= piece
        }
    }
}
