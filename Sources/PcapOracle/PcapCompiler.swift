#if Libpcap
import CPcap
import ClassicBPF

/// Compiles tcpdump filter expressions with libpcap's `pcap_compile`.
public enum PcapCompiler {
    /// Compiles `expression` for captures of `linkType` with snap length `snaplen`, the way
    /// `tcpdump -dd` does (optimised, netmask unknown).
    public static func compile(
        expression: String, linkType: LinkType = .ethernet, snaplen: Int32 = 262_144, optimize: Bool = true
    ) throws(PcapCompileError) -> ClassicProgram {
        let result: Result<ClassicProgram, PcapCompileError> = libpcapLock.withLock { _ in
            // pcap_open_dead wraps pcap_open_dead(3): a handle with no device, for compiling.
            guard let handle = pcap_open_dead(dataLinkType(linkType), snaplen) else {
                return .failure(PcapCompileError(expression: expression, message: "pcap_open_dead failed"))
            }
            defer { pcap_close(handle) }
            var program = bpf_program()
            // pcap_compile(3); PCAP_NETMASK_UNKNOWN as tcpdump uses when it has no interface.
            guard pcap_compile(handle, &program, expression, optimize ? 1 : 0, 0xffff_ffff) == 0 else {
                return .failure(PcapCompileError(expression: expression, message: String(cString: pcap_geterr(handle))))
            }
            defer { pcap_freecode(&program) }
            let instructions = (0..<Int(program.bf_len)).map { index in
                let insn = program.bf_insns[index]
                return ClassicInstruction(code: insn.code, jumpIfTrue: insn.jt, jumpIfFalse: insn.jf, k: insn.k)
            }
            return .success(ClassicProgram(instructions))
        }
        return try result.get()
    }
}

/// The `DLT_` value libpcap's API takes for a `LINKTYPE_` value of a file. They are equal except
/// for a few old types whose DLT numbers differ between systems: raw IP is LINKTYPE 101 in files
/// but DLT 12 (or 14) in the API, ATM RFC 1483 is 100 versus 11.
func dataLinkType(_ linkType: LinkType) -> Int32 {
    switch linkType.rawValue {
    case 101: DLT_RAW
    case 100: DLT_ATM_RFC1483
    default: Int32(bitPattern: linkType.rawValue)
    }
}

/// `pcap_compile` rejected an expression; `message` is libpcap's text (`pcap_geterr`).
public struct PcapCompileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var expression: String
    public var message: String

    public var description: String { "cannot compile '\(expression)': \(message)" }
}
#endif
