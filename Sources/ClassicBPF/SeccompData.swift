/// The context of a seccomp filter, the kernel's `struct seccomp_data` (64 bytes, host order):
///
/// ```
/// offset  0  nr                   int32   system call number
/// offset  4  arch                 uint32  AUDIT_ARCH_* value
/// offset  8  instruction_pointer  uint64
/// offset 16  args[6]              uint64 each
/// ```
public struct SeccompData: Hashable, Sendable {
    public var systemCallNumber: Int32
    public var architecture: UInt32
    public var instructionPointer: UInt64
    /// The six system call arguments (missing ones are 0).
    public var arguments: [UInt64]

    /// The size of the record in bytes.
    public static let byteCount = 64
    /// Offset of `nr`.
    public static let systemCallNumberOffset: UInt32 = 0
    /// Offset of `arch`.
    public static let architectureOffset: UInt32 = 4
    /// Offset of `instruction_pointer`.
    public static let instructionPointerOffset: UInt32 = 8

    /// `AUDIT_ARCH_X86_64`.
    public static let auditArchX86_64: UInt32 = 0xc000_003e
    /// `AUDIT_ARCH_I386`.
    public static let auditArchI386: UInt32 = 0x4000_0003
    /// `AUDIT_ARCH_AARCH64`.
    public static let auditArchAArch64: UInt32 = 0xc000_00b7

    public init(systemCallNumber: Int32, architecture: UInt32 = SeccompData.auditArchX86_64, instructionPointer: UInt64 = 0, arguments: [UInt64] = []) {
        self.systemCallNumber = systemCallNumber
        self.architecture = architecture
        self.instructionPointer = instructionPointer
        self.arguments = Array((arguments + Array(repeating: 0, count: 6)).prefix(6))
    }

    /// Offset of the low 32-bit word of argument `index` (the high word is 4 bytes later).
    public static func argumentOffset(_ index: Int) -> UInt32 { 16 + 8 * UInt32(index) }

    /// The 64-byte record in little-endian (x86-64 host) order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        func append(_ value: UInt64, _ count: Int) {
            for i in 0..<count { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
        }
        append(UInt64(UInt32(bitPattern: systemCallNumber)), 4)
        append(UInt64(architecture), 4)
        append(instructionPointer, 8)
        for argument in arguments { append(argument, 8) }
        return out
    }
}
