import EBPFCore

/// A helper looked up once, when the interpreter is built, so that `call N` costs an array index
/// instead of a dictionary lookup at run time.
struct ResolvedHelper: Sendable {
    let body: HelperFunction.Body
    /// Bytes the program may access at a non-null result (``HelperReturn/memoryOrNull(size:)``);
    /// 0 when the result is not a pointer to memory.
    let returnedRegionSize: UInt64

    init(_ helper: HelperFunction) {
        body = helper.body
        if case .memoryOrNull(let size) = helper.signature.returns, size > 0 {
            returnedRegionSize = UInt64(size)
        } else {
            returnedRegionSize = 0
        }
    }
}
