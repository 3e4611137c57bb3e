import ArgumentParser
import EBPF
import Foundation

/// The input memory given to a program (R1 = its address, R2 = its length).
struct MemoryOptions: ParsableArguments {
    @Option(help: "A file whose bytes are the program's input memory.")
    var mem: String?

    @Option(name: .customLong("mem-hex"), help: "The program's input memory as hex bytes, e.g. \"01 02 ff\".")
    var memHex: String?

    init() {}

    init(mem: String) {
        self.mem = mem
    }

    func validate() throws {
        if mem != nil && memHex != nil {
            throw ValidationError("give either --mem or --mem-hex, not both")
        }
    }

    /// The bytes of the input memory (empty when none was given).
    func bytes() throws -> [UInt8] {
        if let mem {
            guard let data = FileManager.default.contents(atPath: mem) else {
                throw CommandFailure("cannot read memory file '\(mem)'")
            }
            return Array(data)
        }
        if let memHex {
            guard let bytes = HexBytes.parse(memHex) else {
                throw CommandFailure("--mem-hex is not a sequence of hex bytes: '\(memHex)'")
            }
            return bytes
        }
        return []
    }
}
