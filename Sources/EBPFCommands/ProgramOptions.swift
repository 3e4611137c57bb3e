import ArgumentParser
import EBPF

/// The program argument shared by the commands that read a program.
struct ProgramOptions: ParsableArguments {
    @Argument(help: "The program: text assembly (.s/.asm), raw bytecode (.bin) or an ELF object (.o).")
    var program: String

    @Option(help: "The program's format when its extension does not say: asm, bin or elf.")
    var format: ProgramFormat?

    func load() throws -> Program {
        try ProgramLoader.load(path: program, format: format)
    }
}

extension ProgramFormat: ExpressibleByArgument {}
extension Engine: ExpressibleByArgument {}
