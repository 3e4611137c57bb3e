import CLinuxBPF
import EBPFCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The BTF function information the kernel's verifier requires of a program that takes a
/// function's address (`bpf_loop`'s callback; "missing btf func_info" otherwise): a minimal BTF
/// blob made here, with one `void f<n>(void)` of static linkage per subprogram, loaded with
/// `BPF_BTF_LOAD`, and the `bpf_func_info` records (slot of each subprogram's first
/// instruction, its `FUNC` type) that `BPF_PROG_LOAD` takes with it (prog_btf_fd@72,
/// func_info_rec_size@76, func_info@80, func_info_cnt@88).
///
/// The names and prototypes are made up: the kernel checks only that each record names a
/// `FUNC` whose `FUNC_PROTO` exists, that the records match the subprograms it finds, and that
/// a callback is static.
final class KernelFunctionInfo {
    static let commandBTFLoad: Int32 = 18

    /// The loaded BTF (closed on deinit).
    let btfDescriptor: Int32
    /// `bpf_func_info` records: (insn_off, type_id) pairs, 32-bit each.
    let records: [UInt32]

    /// For a program whose control-flow graph shows function addresses; `nil` when it has none
    /// or the kernel refuses the BTF.
    init?(_ instructions: [Instruction]) {
        let graph = DecodedProgram(instructions).controlFlow
        guard !graph.functionAddressTargets.isEmpty else { return nil }
        let starts = graph.subprogramStarts
        let blob = Self.btf(functions: starts.count)
        var attributes = [UInt8](repeating: 0, count: 32)
        let descriptor: Int = blob.withUnsafeBytes { bytes in
            attributes.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: UInt64(UInt(bitPattern: bytes.baseAddress)), toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: UInt32(blob.count), toByteOffset: 16, as: UInt32.self)
                return swift_ebpf_bpf(Self.commandBTFLoad, raw.baseAddress, UInt32(raw.count))
            }
        }
        guard descriptor >= 0 else { return nil }
        btfDescriptor = Int32(descriptor)
        // Type 1 is the prototype; function n is type n + 2.
        records = starts.enumerated().flatMap { [UInt32($0.element), UInt32($0.offset + 2)] }
    }

    deinit {
        close(btfDescriptor)
    }

    /// A BTF blob: header, `FUNC_PROTO` returning void with no parameters (type 1), then one
    /// static `FUNC` per function named `f0`, `f1`, ... (types 2...).
    static func btf(functions: Int) -> [UInt8] {
        var types: [UInt32] = [0, 13 << 24, 0]
        var strings: [UInt8] = [0]
        for function in 0..<functions {
            types += [UInt32(strings.count), 12 << 24, 1]
            strings += Array("f\(function)".utf8) + [0]
        }
        let typeBytes = types.flatMap { word in withUnsafeBytes(of: word.littleEndian, Array.init) }
        var header: [UInt8] = [0x9f, 0xeb, 1, 0]
        for word in [UInt32(24), 0, UInt32(typeBytes.count), UInt32(typeBytes.count), UInt32(strings.count)] {
            header += withUnsafeBytes(of: word.littleEndian, Array.init)
        }
        return header + typeBytes + strings
    }
}
