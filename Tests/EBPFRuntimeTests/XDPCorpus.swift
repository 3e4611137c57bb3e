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
        "xdp_arp_guard", "xdp_tcp_mss_clamp", "xdp_strip_ip_options", "xdp_redirect_ports", "xdp_csum_diff_nat", "xdp_proto_count", "xdp_rate_guard", "xdp_lpm_guard",
        "xdp_percpu_count", "xdp_redirect_map", "xdp_meta_read", "xdp_lru_flows", "xdp_loop_sum", "xdp_loop_ext_headers",
        "xdp_loop_scan",
    ]

    /// Programs that read metadata before the packet: each frame comes with some
    /// (``metadata(for:)``), given to the kernel's test run in its context (`xdp_md.data`).
    static let metadataPrograms: Set<String> = ["xdp_meta_read"]

    /// Metadata for the `index`th frame: 0, 4, 8 or 12 bytes in turn, of varied contents.
    static func metadata(for index: Int) -> [UInt8] {
        var state = UInt32(truncatingIfNeeded: index) &* 2_654_435_761 &+ 12_345
        return (0..<(index % 4) * 4).map { _ in
            state = state &* 1_103_515_245 &+ 12_345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
    }

    /// The kernel's test run of an XDP program on `packet` with `metadata` before it: the
    /// context gives the metadata's length (`data`) and the end (`data_end`), and the kernel
    /// returns metadata and packet together, with the metadata's length after the run in the
    /// context it gives back.
    static func kernelRun(
        _ program: KernelProgram, packet: [UInt8], metadata: [UInt8]
    ) throws(KernelRunError) -> (returnValue: UInt32, metadata: [UInt8], packet: [UInt8]) {
        guard !metadata.isEmpty else {
            let run = try KernelBPF.testRun(program, packet: packet)
            return (run.returnValue, [], run.packet)
        }
        let context = word(UInt32(metadata.count)) + word(UInt32(metadata.count + packet.count)) + Array(repeating: 0, count: 16)
        let run = try KernelBPF.testRun(program, packet: metadata + packet, context: context, contextOutputSize: 24)
        let length = Int(run.context[0]) | Int(run.context[1]) << 8
        return (run.returnValue, Array(run.packet.prefix(length)), Array(run.packet.dropFirst(length)))
    }

    /// Entries stored in a program's maps before it runs, in the engines' maps and the
    /// kernel's alike: (map, key, value), 32-bit little-endian numbers. `xdp_redirect_map`'s
    /// devmap sends slots 0 and 2 to interface 1 (the loopback device, which exists in the
    /// kernel too), its cpumap has CPU 0 with a 64-packet queue.
    static let initialEntries: [String: [(map: String, key: UInt32, value: UInt32)]] = [
        "xdp_redirect_map": [("tx_ports", 0, 1), ("tx_ports", 2, 1), ("cpus", 0, 64)],
    ]

    static func word(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// Programs this machine's kernel (6.18) refuses to load, with the reason it gives; docs/runtime.md
    /// says why. The engines still run them.
    static let kernelRefusals = [
        "xdp_meta_mark": "cannot use helper bpf_xdp_adjust_meta",
    ]

    static func object(_ name: String) throws -> LoadedObject {
        let object = try LoadedObject(bytes: Array(try Data(contentsOf: RepositoryLayout.url("Tests/Corpus/xdp/\(name).o"))))
        for entry in initialEntries[name] ?? [] {
            try object.map(named: entry.map)!.update(key: word(entry.key), value: word(entry.value))
        }
        return object
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

    /// The program loaded into the kernel as compiled (context accesses not rewritten), with
    /// the object's maps created there too (each `lddw` of a map given the kernel map's file
    /// descriptor), or why the kernel oracle must not or cannot run it: bpf() refused, global
    /// data with initial contents (not set up in the kernel yet), or a loop (this machine's 6.18
    /// kernel oopsed once verifying a loop over an XDP context, so loops stay out of it).
    static func kernelProgram(
        _ object: LoadedObject, _ name: String, type: KernelBPF.ProgramType
    ) -> Result<(program: KernelProgram, maps: [KernelMap]), KernelSkip> {
        guard KernelBPF.isAvailable else { return .failure(KernelSkip("bpf() is not available to this process")) }
        guard let program = object.program(named: name) else { return .failure(KernelSkip("no program \(name)")) }
        guard !program.program.decoded.controlFlow.hasLoops else { return .failure(KernelSkip("\(name) has a loop")) }
        var maps: [KernelMap] = []
        for map in object.object.maps {
            if let initial = map.initialValue, initial.contains(where: { $0 != 0 }) {
                return .failure(KernelSkip("\(name) has initialised global data"))
            }
            let definition = map.definition
            switch KernelMap.create(
                type: definition.type.rawValue, keySize: definition.keySize, valueSize: definition.valueSize,
                maxEntries: definition.maxEntries, flags: definition.flags)
            {
            case .success(let created): maps.append(created)
            case .failure(let error): return .failure(KernelSkip("the kernel refused map \(map.name): errno \(error.errno)"))
            }
        }
        for entry in initialEntries[name] ?? [] {
            let index = object.object.maps.firstIndex { $0.name == entry.map }!
            if case .failure(let error) = maps[index].update(key: word(entry.key), value: word(entry.value)) {
                return .failure(KernelSkip("the kernel refused an entry of map \(entry.map): errno \(error.errno)"))
            }
        }
        var instructions = program.program.instructions
        for index in instructions.indices {
            guard case .loadImmediate64(_, let kind, let value) = program.program.decoded[index],
                kind == .mapByFD || kind == .mapValueByFD
            else { continue }
            instructions[index].immediate = maps[Int(Int32(truncatingIfNeeded: value))].fileDescriptor
        }
        switch KernelBPF.loadProgram(instructions, type: type, license: object.object.license ?? "GPL") {
        case .success(let loaded): return .success((loaded, maps))
        case .failure(let error): return .failure(KernelSkip(error.description, refused: true))
        }
    }

    /// Every map of `object` as sorted (key, value) pairs, by map name; with `summingCPUs`, a
    /// per-CPU map's value is the sum over CPUs of each 64-bit word (the kernel's test run
    /// counts on whichever CPU the calling thread is on, the engines on CPU 0).
    static func contents(_ object: LoadedObject, summingCPUs: Bool = false) throws -> [String: [[UInt8]]] {
        var result: [String: [[UInt8]]] = [:]
        for map in object.maps {
            let cpus = summingCPUs ? (map as? PerCPUMap)?.possibleCPUs : nil
            result[map.name] = try map.entries().map { entry in
                entry.key + (cpus.map { summed(entry.value, valueSize: map.definition.valueSize, cpus: $0) } ?? entry.value)
            }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        return result
    }

    /// The kernel's maps in the same form, per-CPU values summed over CPUs.
    static func contents(_ maps: [KernelMap], of object: LoadedObject) -> [String: [[UInt8]]] {
        var result: [String: [[UInt8]]] = [:]
        for (map, definition) in zip(maps, object.object.maps) {
            let perCPU = KernelMap.perCPUTypes.contains(definition.definition.type.rawValue)
            result[definition.name] = map.entries().map { entry in
                entry.key + (perCPU ? summed(entry.value, valueSize: map.valueSize, cpus: KernelMap.possibleCPUs) : entry.value)
            }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        return result
    }

    /// Per-CPU values (`cpus` slots of `valueSize` rounded up to 8 bytes) summed word by word
    /// (64-bit words, wrapping), as one `valueSize`-byte value.
    static func summed(_ value: [UInt8], valueSize: Int, cpus: Int) -> [UInt8] {
        let stride = (valueSize + 7) & ~7
        return value.withUnsafeBytes { raw in
            (0..<(valueSize / 8)).flatMap { word in
                let total = (0..<cpus).reduce(UInt64(0)) { $0 &+ raw.loadUnaligned(fromByteOffset: $1 * stride + word * 8, as: UInt64.self) }
                return withUnsafeBytes(of: total.littleEndian, Array.init)
            }
        }
    }

    /// How many of `maps`' per-CPU counts each CPU holds (the first 64-bit word of each value
    /// of each CPU), to show which CPUs the kernel's test runs ran on.
    static func countsPerCPU(_ maps: [KernelMap], of object: LoadedObject) -> [Int: UInt64] {
        var result: [Int: UInt64] = [:]
        for (map, definition) in zip(maps, object.object.maps) where KernelMap.perCPUTypes.contains(definition.definition.type.rawValue) {
            let stride = (map.valueSize + 7) & ~7
            for entry in map.entries() {
                entry.value.withUnsafeBytes { raw in
                    for cpu in 0..<KernelMap.possibleCPUs {
                        result[cpu, default: 0] += raw.loadUnaligned(fromByteOffset: cpu * stride, as: UInt64.self)
                    }
                }
            }
        }
        return result
    }

    struct KernelSkip: Error, CustomStringConvertible {
        var description: String
        /// The kernel's verifier refused the program (rather than the oracle not being usable).
        var refused = false
        init(_ description: String, refused: Bool = false) {
            self.description = description
            self.refused = refused
        }
    }
}
