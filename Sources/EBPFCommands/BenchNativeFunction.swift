#if canImport(Glibc)
import Glibc
#endif

/// A native build of a benchmark function, `unsigned long long NAME(void *mem, unsigned long long len)`,
/// loaded from a shared library with dlopen so it is timed in the same process as the engines.
struct BenchNativeFunction {
    typealias Body = @convention(c) (UnsafeMutableRawPointer?, UInt64) -> UInt64

    let body: Body
    let library: String
    let symbol: String

    /// Loads `symbol` from the shared library at `library`.
    init(library: String, symbol: String) throws(CommandFailure) {
        // A path without a slash would make dlopen search the library path instead of the file.
        let path = library.contains("/") ? library : "./" + library
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw CommandFailure("cannot load native library '\(library)': \(Self.lastError())")
        }
        guard let address = dlsym(handle, symbol) else {
            throw CommandFailure("native library '\(library)' has no symbol '\(symbol)'")
        }
        // The handle is never closed: the function must stay mapped for the life of the process.
        body = unsafeBitCast(address, to: Body.self)
        self.library = library
        self.symbol = symbol
    }

    private static func lastError() -> String {
        guard let message = dlerror() else { return "unknown error" }
        return String(cString: message)
    }
}
