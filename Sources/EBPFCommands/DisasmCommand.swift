import ArgumentParser
import EBPF

/// `ebpf disasm PROGRAM`: one instruction a line, with its slot index.
struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm", abstract: "Disassemble a program, one instruction a line with its index.")

    @OptionGroup var programOptions: ProgramOptions

    func run() throws {
        try reportingFailures {
            let program = try programOptions.loadSource().program
            for line in Disassembler.listing(program) {
                print(Self.indexColumn(line.index) + ": " + line.text)
            }
        }
    }

    static func indexColumn(_ index: Int) -> String {
        let text = String(index)
        return String(repeating: " ", count: max(0, 5 - text.count)) + text
    }
}
