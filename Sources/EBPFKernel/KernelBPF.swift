import CLinuxBPF
import EBPFCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Linux kernel's eBPF loader and test runner, through bpf(2): a third oracle for tests
/// (the kernel's verifier, and its interpreter or JIT) where the system allows it.
///
/// The `union bpf_attr` layouts below follow `linux/bpf.h` (UAPI, stable): `BPF_PROG_LOAD`
/// uses prog_type@0 insn_cnt@4 insns@8 license@16 log_level@24 log_size@28 log_buf@32 (and,
/// for programs with function addresses, the BTF fields of ``KernelFunctionInfo``);
/// `BPF_PROG_TEST_RUN` uses prog_fd@0 retval@4 data_size_in@8 data_size_out@12 data_in@16
/// data_out@24 repeat@32.
public enum KernelBPF {
    /// Program types used here; the kernel checks context accesses per type.
    public enum ProgramType: UInt32, Sendable {
        /// `BPF_PROG_TYPE_SOCKET_FILTER`: the context is a `__sk_buff`.
        case socketFilter = 1
        /// `BPF_PROG_TYPE_SCHED_CLS`: the context is a `__sk_buff`.
        case schedClassifier = 3
        /// `BPF_PROG_TYPE_XDP`: the context is an `xdp_md`.
        case xdp = 6
    }

    static let commandProgramLoad: Int32 = 5
    static let commandProgramTestRun: Int32 = 10
    static let attributeSize = 144

    /// Whether this process may load and test-run programs (tried once with `r0 = 0; exit`).
    public static let isAvailable: Bool = {
        let trivial = [Instruction(opcode: 0xb7), Instruction(opcode: Opcode.exit)]
        if case .success = loadProgram(trivial, type: .socketFilter, license: "GPL") { return true }
        return false
    }()

    /// Loads a program with `BPF_PROG_LOAD`, asking for the verifier log. On failure the error
    /// carries errno and the kernel verifier's log.
    public static func loadProgram(
        _ instructions: [Instruction], type: ProgramType, license: String = "GPL", logSize: Int = 1 << 20
    ) -> Result<KernelProgram, KernelLoadError> {
        var attributes = [UInt8](repeating: 0, count: attributeSize)
        var logBuffer = [CChar](repeating: 0, count: logSize)
        let licenseBytes = Array(license.utf8CString)
        let code = instructions.map(\.rawValue.littleEndian)
        // Function addresses (bpf_loop callbacks) need BTF function information.
        let functions = KernelFunctionInfo(instructions)
        let records = functions?.records ?? []
        let (result, failure): (Int, Int32) = code.withUnsafeBytes { codeBytes in
            records.withUnsafeBytes { recordBytes in
                licenseBytes.withUnsafeBufferPointer { licensePointer in
                    logBuffer.withUnsafeMutableBufferPointer { logPointer in
                        attributes.withUnsafeMutableBytes { raw in
                            raw.storeBytes(of: type.rawValue, toByteOffset: 0, as: UInt32.self)
                            raw.storeBytes(of: UInt32(instructions.count), toByteOffset: 4, as: UInt32.self)
                            raw.storeBytes(of: UInt64(UInt(bitPattern: codeBytes.baseAddress)), toByteOffset: 8, as: UInt64.self)
                            raw.storeBytes(
                                of: UInt64(UInt(bitPattern: licensePointer.baseAddress)), toByteOffset: 16, as: UInt64.self)
                            raw.storeBytes(of: UInt32(1), toByteOffset: 24, as: UInt32.self)
                            raw.storeBytes(of: UInt32(logSize), toByteOffset: 28, as: UInt32.self)
                            raw.storeBytes(
                                of: UInt64(UInt(bitPattern: logPointer.baseAddress)), toByteOffset: 32, as: UInt64.self)
                            if let functions {
                                raw.storeBytes(
                                    of: UInt32(bitPattern: functions.btfDescriptor), toByteOffset: 72, as: UInt32.self)
                                raw.storeBytes(of: UInt32(8), toByteOffset: 76, as: UInt32.self)
                                raw.storeBytes(
                                    of: UInt64(UInt(bitPattern: recordBytes.baseAddress)), toByteOffset: 80, as: UInt64.self)
                                raw.storeBytes(of: UInt32(records.count / 2), toByteOffset: 88, as: UInt32.self)
                            }
                            let result = swift_ebpf_bpf(commandProgramLoad, raw.baseAddress, UInt32(attributeSize))
                            return (result, result < 0 ? errno : 0)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(functions) {}
        if result < 0 {
            let log = logBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return .failure(KernelLoadError(errno: failure, log: log))
        }
        return .success(KernelProgram(fileDescriptor: Int32(result)))
    }

    /// Runs a loaded program once over `data` with `BPF_PROG_TEST_RUN` and returns R0 as the
    /// kernel reports it (32 bits).
    public static func testRun(_ program: KernelProgram, data: [UInt8]) throws(KernelRunError) -> UInt32 {
        try testRun(program, packet: data, outputCapacity: max(data.count, 1) + 256).returnValue
    }
}

/// A program loaded into the kernel; the file descriptor is closed when the object goes away.
public final class KernelProgram: Sendable {
    public let fileDescriptor: Int32

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    deinit {
        close(fileDescriptor)
    }
}

/// `BPF_PROG_LOAD` failed: errno (EACCES/EINVAL for a rejected program, EPERM when not allowed)
/// and the verifier log.
public struct KernelLoadError: Error, Sendable, CustomStringConvertible {
    public var errno: Int32
    public var log: String

    /// The kernel verifier's reason: the last line of the log that is neither a state dump nor
    /// the closing statistics.
    public var reason: String {
        let skipped = ["processed ", "cur state:", "old state:", "verification time", "stack depth"]
        return log.split(separator: "\n").last { line in
            !line.isEmpty && !skipped.contains { line.hasPrefix($0) } && !line.first!.isNumber
        }.map(String.init) ?? ""
    }

    public var description: String { "bpf(BPF_PROG_LOAD) failed, errno \(errno): \(reason)" }
}

/// `BPF_PROG_TEST_RUN` failed with `errno`.
public struct KernelRunError: Error, Sendable {
    public var errno: Int32
}
