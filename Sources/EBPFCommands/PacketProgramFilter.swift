import ClassicBPF
import EBPF
import Foundation

/// `ebpf filter --program PROG.o CAPTURE [-w OUT]`: runs an XDP, socket-filter or tc program of
/// an ELF object over every packet of an Ethernet capture, as the kernel's test run would, and
/// counts the verdicts. With `-w`, the packets the program lets through are written as it left
/// them: XDP `XDP_PASS`, `XDP_TX` and `XDP_REDIRECT`; tc anything but `TC_ACT_SHOT`; a socket
/// filter a non-zero result, the packet cut to that many bytes.
struct PacketProgramFilter {
    let object: LoadedObject
    let program: LinkedProgram

    init(path: String, name: String?) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("\(path): cannot read file") }
        object = try LoadedObject(bytes: Array(data))
        let candidates = object.object.programs.filter { $0.type != .raw }
        let chosen: ELFProgram
        if let name {
            guard let named = object.program(named: name) else {
                throw CommandFailure("\(path): no program named '\(name)' (the object has: \(object.object.programs.map(\.name).joined(separator: ", ")))")
            }
            chosen = named
        } else {
            guard candidates.count == 1 else {
                throw CommandFailure(
                    "\(path): \(candidates.isEmpty ? "no XDP, socket or tc program" : "several programs (\(candidates.map(\.name).joined(separator: ", "))): choose one with --function")")
            }
            chosen = candidates[0]
        }
        guard chosen.type != .raw else { throw CommandFailure("\(chosen.name) is a raw program: --program needs an XDP, socket or tc program") }
        program = try object.link(chosen)
    }

    /// The verdict's name for the counts: `2 XDP_PASS`, `2 TC_ACT_SHOT`, `keep 96`.
    func verdictName(_ value: UInt64) -> String {
        switch program.type {
        case .xdp: "\(XDPAction(rawValue: UInt32(truncatingIfNeeded: value)))"
        case .schedClassifier:
            "\(Int32(truncatingIfNeeded: value)) " + (["TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN",
                "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT"].dropFirst(Int(max(0, Int32(truncatingIfNeeded: value)))).first ?? "")
        default: UInt32(truncatingIfNeeded: value) == 0 ? "0 (drop)" : "keep \(UInt32(truncatingIfNeeded: value))"
        }
    }

    /// Runs over `records`; returns the lines to print and the packets to write.
    func run(_ records: [CaptureRecord], engine: Engine) throws -> (lines: [String], kept: [PcapPacket]) {
        let runner = try program.prepare(configuration: ExecutionConfiguration(engine: engine))
        var counts: [String: Int] = [:]
        var order: [String] = []
        var skipped = 0
        var kept: [PcapPacket] = []
        for record in records {
            guard record.linkType == .ethernet else { throw CommandFailure("--program needs an Ethernet capture") }
            var packet = record.packet
            let value: UInt64
            do {
                switch program.type {
                case .xdp:
                    var frame = packet.data
                    let result = try program.run(using: runner, xdp: &frame)
                    value = result.returnValue
                    if [XDPAction.pass, .transmit, .redirect].contains(result.action) {
                        packet.data = result.packet
                        packet.originalLength = UInt32(result.packet.count)
                        kept.append(packet)
                    }
                default:
                    let result = try program.run(using: runner, socketBuffer: packet.data)
                    value = result.returnValue
                    if program.type == .schedClassifier {
                        if Int32(truncatingIfNeeded: value) != 2 {
                            packet.data = result.packet
                            kept.append(packet)
                        }
                    } else if UInt32(truncatingIfNeeded: value) != 0 {
                        packet.data = Array(packet.data.prefix(Int(UInt32(truncatingIfNeeded: value))))
                        kept.append(packet)
                    }
                }
            } catch .trap(let trap) {
                throw CommandFailure("\(program.name) trapped: \(trap)")
            } catch {
                skipped += 1
                continue
            }
            let name = verdictName(value)
            if counts[name] == nil { order.append(name) }
            counts[name, default: 0] += 1
        }
        var lines = ["\(records.count) packets, \(program.name) (\(program.type.rawValue)):"]
        for name in order.sorted(by: { counts[$0]! > counts[$1]! }) { lines.append("  \(counts[name]!)  \(name)") }
        if skipped > 0 { lines.append("  \(skipped)  not run (shorter than an Ethernet header, longer than a frame, or a cut IP header)") }
        return (lines, kept)
    }
}
