import CPcap
import ClassicBPF

/// Compiles tcpdump filter expressions with libpcap's `pcap_compile`, from the runtime library
/// ``Libpcap`` opens.
public enum PcapCompiler {
    /// Compiles `expression` for captures of `linkType` with snap length `snaplen`, the way
    /// `tcpdump -dd` does (optimised, netmask unknown). Throws
    /// ``PcapCompileError/libpcapUnavailable(_:)`` where libpcap cannot be loaded.
    public static func compile(
        expression: String, linkType: LinkType = .ethernet, snaplen: Int32 = 262_144, optimize: Bool = true
    ) throws(PcapCompileError) -> ClassicProgram {
        let pcap: Libpcap
        do {
            pcap = try Libpcap.shared()
        } catch {
            throw .libpcapUnavailable(error)
        }
        let result: Result<ClassicProgram, PcapCompileError> = libpcapLock.withLock { _ in
            // pcap_open_dead(3): a handle with no device, for compiling.
            guard let handle = pcap.openDead(dataLinkType(linkType), snaplen) else {
                return .failure(.rejected(expression: expression, message: "pcap_open_dead failed"))
            }
            defer { pcap.close(handle) }
            var program = cpcap_program()
            // pcap_compile(3); PCAP_NETMASK_UNKNOWN as tcpdump uses when it has no interface.
            guard pcap.compile(handle, &program, expression, optimize ? 1 : 0, 0xffff_ffff) == 0 else {
                let message = pcap.getError(handle).map { String(cString: $0) } ?? "pcap_compile failed"
                return .failure(.rejected(expression: expression, message: message))
            }
            defer { pcap.freeCode(&program) }
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
/// but `DLT_RAW` (12; 14 on OpenBSD) in the API, ATM RFC 1483 is 100 versus `DLT_ATM_RFC1483` (11).
func dataLinkType(_ linkType: LinkType) -> Int32 {
    switch linkType.rawValue {
    case 101: dataLinkRaw
    case 100: 11
    default: Int32(bitPattern: linkType.rawValue)
    }
}

#if os(OpenBSD)
private let dataLinkRaw: Int32 = 14
#else
private let dataLinkRaw: Int32 = 12
#endif
