import EBPF
import FuzzSupport

runLibFuzzer(fuzzAssembler)

/// Assembler: any text either assembles or fails with a typed error; an assembled program
/// disassembles.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzAssembler(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do throws(AssemblerError) {
        let program = try Assembler.assemble(text)
        _ = Disassembler.disassemble(program)
    } catch {
        _ = error.description
    }
    return 0
}
