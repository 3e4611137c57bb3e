import EBPF
import EBPFRuntime
import FuzzSupport

runLibFuzzer(fuzzELF)

/// ELF loader and linker: any bytes load or fail with a typed error (`ELFError`, `MapError`,
/// `LinkError`); every program of a loaded object is linked.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzELF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do throws(ELFError) {
        let object = try ELFObject(bytes: bytes)
        guard let loaded = try? LoadedObject(object) else { return 0 }
        for program in object.programs { _ = try? loaded.link(program) }
    } catch {
        precondition(error.offset >= 0)
    }
    return 0
}
