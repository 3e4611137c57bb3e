import EBPF
import FuzzSupport

runLibFuzzer(fuzzDecoder)

/// Bytecode decoder: any bytes either decode or fail with a typed error; a decoded program
/// re-encodes to the same bytes and disassembles.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do throws(DecodeError) {
        let program = try Program(decoding: bytes)
        precondition(program.bytes == bytes, "decode/encode round trip changed the bytes")
        _ = Disassembler.disassemble(program)
    } catch {
        _ = error.description
    }
    return 0
}
