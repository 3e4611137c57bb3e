import ArgumentParser
import EBPF
import Foundation

/// `ebpf run PROGRAM [--mem FILE | --mem-hex HEX] [--engine interpreter|jit]`: prints R0.
/// `ebpf run PROGRAM.o --packet FRAME [--packet-out OUT]`: runs an XDP, socket-filter or tc
/// program on a packet as the kernel's test run does; prints the verdict (`3 XDP_TX`, `2
/// TC_ACT_SHOT`, a socket filter's byte count) and writes the packet it left.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Verify and run a program; print R0 in hex, or an XDP program's verdict.")

    @OptionGroup var programOptions: ProgramOptions
    @OptionGroup var memoryOptions: MemoryOptions
    @OptionGroup var executionOptions: ExecutionOptions

    @Option(help: "For an XDP, socket or tc program (SEC(\"xdp\"), SEC(\"socket\"), SEC(\"tc\")): a file holding the packet (an Ethernet frame) to run it on.")
    var packet: String?

    @Option(name: .customLong("packet-out"), help: "With --packet: where to write the packet as the program left it.")
    var packetOut: String?

    func validate() throws {
        if packet != nil && (memoryOptions.mem != nil || memoryOptions.memHex != nil) {
            throw ValidationError("give either --packet or --mem/--mem-hex, not both")
        }
        if packetOut != nil && packet == nil {
            throw ValidationError("--packet-out needs --packet")
        }
    }

    func run() throws {
        try reportingFailures {
            let source = try programOptions.loadSource()
            if case .linked(let linked, _) = source, linked.type != .raw || packet != nil {
                try runPacket(linked)
                return
            }
            if packet != nil { throw CommandFailure("--packet needs an XDP, socket or tc program from an ELF object") }
            var memory = try memoryOptions.bytes()
            let result = try source.run(configuration: executionOptions.configuration(), memory: &memory)
            print("0x" + String(result, radix: 16))
        }
    }

    /// Runs an XDP program on the `--packet` frame and prints its verdict.
    private func runPacket(_ linked: LinkedProgram) throws {
        guard linked.type != .raw else {
            throw CommandFailure("--packet needs an XDP, socket or tc program; \(linked.name) is a raw program (use --mem)")
        }
        guard let packet else {
            throw CommandFailure("\(linked.name) is a \(linked.type.rawValue) program: give the packet to run it on with --packet FILE")
        }
        guard let data = FileManager.default.contents(atPath: packet) else { throw CommandFailure("cannot read packet file '\(packet)'") }
        var frame = Array(data)
        let runner = try linked.prepare(configuration: executionOptions.configuration())
        let output: [UInt8]
        if linked.type == .xdp {
            let result = try linked.run(using: runner, xdp: &frame)
            print(result.action)
            output = result.packet
        } else {
            let result = try linked.run(using: runner, socketBuffer: frame)
            let value = Int32(truncatingIfNeeded: result.returnValue)
            let names = ["TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT"]
            if linked.type == .schedClassifier {
                print("\(value) \(value == -1 ? "TC_ACT_UNSPEC" : value >= 0 && Int(value) < names.count ? names[Int(value)] : "unknown")")
            } else {
                print(UInt32(truncatingIfNeeded: result.returnValue))  // a socket filter: bytes to keep
            }
            // The context fields the program wrote, if any (`mark=6 cb[0]=60`).
            let written = result.fields.description
            if !written.isEmpty { print(written) }
            output = result.packet
        }
        if let packetOut {
            guard FileManager.default.createFile(atPath: packetOut, contents: Data(output)) else {
                throw CommandFailure("cannot write packet file '\(packetOut)'")
            }
        }
    }
}
