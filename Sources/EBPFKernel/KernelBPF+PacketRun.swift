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
        /// The context after the run (`ctx_out`: `struct xdp_md` or `struct __sk_buff` as the
        /// kernel converts it back), when the run was given a context size to return.
        public var context: [UInt8] = []
    }

    /// Runs a loaded program once on `packet` with `BPF_PROG_TEST_RUN` (no context given, so the
    /// kernel's defaults: for XDP the packet at 256 bytes of headroom in a page, the loopback
    /// device's receive queue 0), reading back up to `outputCapacity` bytes of the packet.
    ///
    /// With `context` (`ctx_in`: a `struct xdp_md` whose `data` is the length of metadata at the
    /// start of `packet`, or a `struct __sk_buff`) the kernel sets the run up from it; with
    /// `contextOutputSize` it returns that many bytes of the context after the run (`ctx_out`,
    /// ``PacketRun/context``), zeroed in when no `context` is given.
    public static func testRun(
        _ program: KernelProgram, packet: [UInt8], outputCapacity: Int = 8192, context: [UInt8]? = nil,
        contextOutputSize: Int = 0
    ) throws(KernelRunError) -> PacketRun {
        var attributes = [UInt8](repeating: 0, count: attributeSize)
        var output = [UInt8](repeating: 0, count: outputCapacity)
        let contextIn = context ?? []
        var contextOut = [UInt8](repeating: 0, count: contextOutputSize)
        let (result, retval, outputSize): (Int, UInt32, UInt32) = packet.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                contextIn.withUnsafeBytes { ctxIn in
                    contextOut.withUnsafeMutableBytes { ctxOut in
                        attributes.withUnsafeMutableBytes { raw in
                            raw.storeBytes(of: UInt32(bitPattern: program.fileDescriptor), toByteOffset: 0, as: UInt32.self)
                            raw.storeBytes(of: UInt32(packet.count), toByteOffset: 8, as: UInt32.self)
                            raw.storeBytes(of: UInt32(outputCapacity), toByteOffset: 12, as: UInt32.self)
                            raw.storeBytes(of: UInt64(UInt(bitPattern: input.baseAddress)), toByteOffset: 16, as: UInt64.self)
                            raw.storeBytes(of: UInt64(UInt(bitPattern: out.baseAddress)), toByteOffset: 24, as: UInt64.self)
                            raw.storeBytes(of: UInt32(1), toByteOffset: 32, as: UInt32.self)
                            // ctx_size_in@40 ctx_size_out@44 ctx_in@48 ctx_out@56
                            if context != nil {
                                raw.storeBytes(of: UInt32(contextIn.count), toByteOffset: 40, as: UInt32.self)
                                raw.storeBytes(of: UInt64(UInt(bitPattern: ctxIn.baseAddress)), toByteOffset: 48, as: UInt64.self)
                            }
                            if contextOutputSize > 0 {
                                raw.storeBytes(of: UInt32(contextOutputSize), toByteOffset: 44, as: UInt32.self)
                                raw.storeBytes(of: UInt64(UInt(bitPattern: ctxOut.baseAddress)), toByteOffset: 56, as: UInt64.self)
                            }
                            let result = swift_ebpf_bpf(commandProgramTestRun, raw.baseAddress, UInt32(attributeSize))
                            return (result, raw.load(fromByteOffset: 4, as: UInt32.self), raw.load(fromByteOffset: 12, as: UInt32.self))
                        }
                    }
                }
            }
        }
        if result < 0 { throw KernelRunError(errno: errno) }
        return PacketRun(
            returnValue: retval, packet: Array(output.prefix(Int(min(outputSize, UInt32(outputCapacity))))), context: contextOut)
    }
}
