import CLinuxBPF
import EBPFCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension KernelBPF {
    /// What `BPF_PROG_TEST_RUN` reports for a program that runs on a packet (XDP, socket filter,
    /// tc): R0's low 32 bits and the packet as the program left it (`data_out`).
    public struct PacketRun: Sendable, Hashable {
        public var returnValue: UInt32
        public var packet: [UInt8]
    }

    /// Runs a loaded program once on `packet` with `BPF_PROG_TEST_RUN` (no context given, so the
    /// kernel's defaults: for XDP the packet at 256 bytes of headroom in a page, the loopback
    /// device's receive queue 0), reading back up to `outputCapacity` bytes of the packet.
    public static func testRun(
        _ program: KernelProgram, packet: [UInt8], outputCapacity: Int = 8192
    ) throws(KernelRunError) -> PacketRun {
        var attributes = [UInt8](repeating: 0, count: attributeSize)
        var output = [UInt8](repeating: 0, count: outputCapacity)
        let (result, retval, outputSize): (Int, UInt32, UInt32) = packet.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                attributes.withUnsafeMutableBytes { raw in
                    raw.storeBytes(of: UInt32(bitPattern: program.fileDescriptor), toByteOffset: 0, as: UInt32.self)
                    raw.storeBytes(of: UInt32(packet.count), toByteOffset: 8, as: UInt32.self)
                    raw.storeBytes(of: UInt32(outputCapacity), toByteOffset: 12, as: UInt32.self)
                    raw.storeBytes(of: UInt64(UInt(bitPattern: input.baseAddress)), toByteOffset: 16, as: UInt64.self)
                    raw.storeBytes(of: UInt64(UInt(bitPattern: out.baseAddress)), toByteOffset: 24, as: UInt64.self)
                    raw.storeBytes(of: UInt32(1), toByteOffset: 32, as: UInt32.self)
                    let result = swift_ebpf_bpf(commandProgramTestRun, raw.baseAddress, UInt32(attributeSize))
                    return (result, raw.load(fromByteOffset: 4, as: UInt32.self), raw.load(fromByteOffset: 12, as: UInt32.self))
                }
            }
        }
        if result < 0 { throw KernelRunError(errno: errno) }
        return PacketRun(returnValue: retval, packet: Array(output.prefix(Int(min(outputSize, UInt32(outputCapacity))))))
    }
}
