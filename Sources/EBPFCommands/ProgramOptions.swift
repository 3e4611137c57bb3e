import ArgumentParser
import EBPF
import Foundation

/// The program argument shared by the commands that read a program.
struct ProgramOptions: ParsableArguments {
    @Argument(help: "The program: text assembly (.s/.asm), raw bytecode (.bin) or an ELF object (.o).")
    var program: String

    @Option(help: "The program's format when its extension does not say: asm, bin or elf.")
    var format: ProgramFormat?

    @Option(name: .customLong("program"), help: "For an ELF object: the program (function or section name) to use; the only one when omitted.")
    var programName: String?

    /// A plain program (assembly or bytecode).
    func load() throws -> Program {
        try loadSource().program
    }

    /// The program, linked against its object's maps when it comes from an ELF object.
    func loadSource() throws -> ProgramSource {
        let resolved = format ?? ProgramFormat(path: program)
        guard resolved == .elf else {
            return .plain(try ProgramLoader.load(path: program, format: format))
        }
        let object = try loadObject()
        let name = try chooseProgram(in: object)
        return .linked(try object.link(name), object)
    }

    /// The ELF object at `program`, with its maps created.
    func loadObject() throws -> LoadedObject {
        guard let data = FileManager.default.contents(atPath: program) else {
            throw CommandFailure("\(program): cannot read file")
        }
        do {
            return try LoadedObject(bytes: Array(data))
        } catch {
            throw CommandFailure("\(program): \(error)")
        }
    }

    private func chooseProgram(in object: LoadedObject) throws -> String {
        if let programName { return programName }
        let names = object.object.programs.map(\.name)
        guard names.count == 1 else {
            throw CommandFailure("\(program): holds \(names.count) programs (\(names.joined(separator: ", "))); choose one with --program")
        }
        return names[0]
    }
}

extension ProgramFormat: ExpressibleByArgument {}
extension Engine: ExpressibleByArgument {}
