import EBPF
import EBPFKernel
import EBPFTestSupport
import Foundation

/// The XDP corpus (`Tests/Corpus/xdp`): its programs, and the packets they are run on.
enum XDPCorpus {
    /// Every program of the corpus (each file's one program has the file's name).
    static let names = [
        "xdp_pass", "xdp_reflect", "xdp_ctx_fields", "xdp_drop_ports", "xdp_icmp_echo", "xdp_ipv4_nat",
        "xdp_ipv6_hop_limit", "xdp_meta_mark", "xdp_syn_guard", "xdp_trim_tail", "xdp_vlan_pop", "xdp_vlan_push",
        "xdp_fragment_drop", "xdp_udp_echo", "xdp_icmp6_echo", "xdp_dscp_mark", "xdp_tail_trailer", "xdp_mac_filter",
        "xdp_arp_guard", "xdp_tcp_mss_clamp", "xdp_strip_ip_options", "xdp_redirect_ports", "xdp_csum_diff_nat",
    ]

    /// Programs this machine's kernel (6.18) refuses to load, with the reason it gives; docs/runtime.md
    /// says why. The engines still run them.
    static let kernelRefusals = [
        "xdp_meta_mark": "cannot use helper bpf_xdp_adjust_meta",
    ]

    static func object(_ name: String) throws -> LoadedObject {
        try LoadedObject(bytes: Array(try Data(contentsOf: RepositoryLayout.url("Tests/Corpus/xdp/\(name).o"))))
    }

    /// `count` varied Ethernet frames (``CaptureGenerator``: VLAN tags, IPv4 with options,
    /// IPv6 with extension headers, TCP, UDP, ICMP, ARP, frames cut short) that the kernel's
    /// XDP test run accepts: at least an Ethernet header, at most a frame's worth.
    static func packets(count: Int, seed: UInt64 = 15) -> [[UInt8]] {
        var generator = CaptureGenerator(seed: seed)
        var packets: [[UInt8]] = []
        while packets.count < count {
            let data = generator.nextPacket().data
            if data.count >= XDPContext.minPacketLength && data.count <= XDPContext.maxPacketLength { packets.append(data) }
        }
        return packets
    }

    /// The program as the kernel would load it (the instructions as compiled, context accesses
    /// not rewritten), or `nil` with the reason when the kernel oracle must not or cannot run
    /// it: bpf() refused, maps (not created in the kernel yet), or a loop (this machine's 6.18
    /// kernel oopsed once verifying a loop over an XDP context, so loops stay out of it).
    static func kernelInstructions(_ object: LoadedObject, _ name: String) -> Result<[Instruction], KernelSkip> {
        guard KernelBPF.isAvailable else { return .failure(KernelSkip("bpf() is not available to this process")) }
        guard let program = object.program(named: name) else { return .failure(KernelSkip("no program \(name)")) }
        guard program.mapIndexes.isEmpty else { return .failure(KernelSkip("\(name) uses maps")) }
        guard !program.program.decoded.controlFlow.hasLoops else { return .failure(KernelSkip("\(name) has a loop")) }
        return .success(program.program.instructions)
    }

    struct KernelSkip: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
