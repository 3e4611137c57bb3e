/// Loop shapes several suites verify with different exit tests or bounds.
extension VerifierFixtures {
    /// `sum += data[i]` for i from 0 while `jump` (at the bottom, back to `loop`) is taken, the
    /// address `data + i` in R4 and no length check.
    static func memorySum(closedBy jump: String) -> String {
        """
        mov %r0, 0
        mov %r3, 0
        loop:
        mov %r4, %r1
        add %r4, %r3
        ldxb %r5, [%r4+0]
        add %r0, %r5
        add %r3, 1
        \(jump)
        exit
        """
    }
}
