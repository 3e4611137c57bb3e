import EBPF
import FuzzSupport

runLibFuzzer(fuzzVerifier)

/// Verifier: any decodable program is accepted or rejected with a typed error, within a small
/// processed-instruction budget (no hang).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzVerifier(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    guard size >= 1 else { return 0 }
    let contextSize = Int(data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let program = try? Program(decoding: bytes) else { return 0 }
    let verifier = Verifier(options: VerifierOptions(processedInstructionBudget: 20_000, contextSize: contextSize))
    do throws(VerifierError) {
        _ = try verifier.verify(program)
    } catch {
        _ = error.message
    }
    return 0
}
