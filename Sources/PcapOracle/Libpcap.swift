import CPcap

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's libpcap, opened at run time with `dlopen`, and the functions PcapOracle calls.
///
/// Nothing links libpcap, so the package builds with the toolchain alone; filter expressions work
/// wherever the runtime library is installed (Debian/Ubuntu `libpcap0.8`, Fedora and Alpine
/// `libpcap`). ``shared()`` opens it once, on first use: the first of ``defaultCandidates`` that
/// opens and has every function, or only the file named by the environment variable
/// `EBPF_LIBPCAP_PATH` when it is set. A library that cannot be opened is a
/// ``LibpcapLoadError``, never a crash.
public struct Libpcap: @unchecked Sendable {
    // @unchecked: C function pointers into a library that stays loaded for the life of the
    // process; the struct is immutable. Thread safety of the calls is the callers' concern
    // (`libpcapLock`).

    /// The name or path the library was opened by.
    public let library: String

    let openDead: cpcap_open_dead_fn
    let close: cpcap_close_fn
    let compile: cpcap_compile_fn
    let freeCode: cpcap_freecode_fn
    let getError: cpcap_geterr_fn
    let filter: cpcap_bpf_filter_fn
    let validate: cpcap_bpf_validate_fn
    let image: cpcap_bpf_image_fn
    let offlineFilter: cpcap_offline_filter_fn
    let openOffline: cpcap_open_offline_with_tstamp_precision_fn
    let nextPacket: cpcap_next_ex_fn
    let dataLink: cpcap_datalink_fn
    let libraryVersion: cpcap_lib_version_fn

    /// The names tried in order: the soname of libpcap 1.x (Fedora, Alpine, Arch ...), Debian's
    /// historical soname for the same library, then the development symlink.
    public static var defaultCandidates: [String] {
        #if canImport(Darwin)
        ["/usr/lib/libpcap.A.dylib", "libpcap.dylib"]
        #else
        ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"]
        #endif
    }

    /// The environment variable that, when set and not empty, names the only library to try
    /// (a path or a soname), for libpcap in an unusual place.
    public static let pathVariable = "EBPF_LIBPCAP_PATH"

    /// The candidates this process tries: `EBPF_LIBPCAP_PATH` alone when set, else
    /// ``defaultCandidates``.
    public static var candidates: [String] {
        if let path = getenv(pathVariable), path.pointee != 0 { return [String(cString: path)] }
        return defaultCandidates
    }

    // A global `static let` is initialised once, on first use, under the runtime's once-lock:
    // the library is opened lazily and exactly once however many threads ask.
    private static let loaded = load(candidates: candidates)

    /// The process's libpcap, opened on the first call.
    public static func shared() throws(LibpcapLoadError) -> Libpcap { try loaded.get() }

    /// Whether the process's libpcap can be opened (opens it if it was not yet).
    public static var isAvailable: Bool { (try? loaded.get()) != nil }

    /// Opens the first of `candidates` that `dlopen` accepts and that has every function this
    /// module calls; otherwise the error lists what each candidate gave. Each successful call
    /// keeps its library open for the life of the process.
    public static func load(candidates: [String]) -> Result<Libpcap, LibpcapLoadError> {
        var attempts: [LibpcapLoadError.Attempt] = []
        for candidate in candidates {
            switch open(candidate) {
            case .success(let library): return .success(library)
            case .failure(let failure): attempts.append(.init(library: candidate, reason: failure.reason))
            }
        }
        return .failure(LibpcapLoadError(attempts: attempts))
    }

    /// `libpcap version 1.10.3 (with TPACKET_V3)`: `pcap_lib_version(3)`.
    public var version: String { libraryVersion().map { String(cString: $0) } ?? "unknown" }

    /// A missing library or function, with `dlerror`'s text (without the name it repeats).
    private struct OpenFailure: Error { var reason: String }

    private static func open(_ library: String) -> Result<Libpcap, OpenFailure> {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(OpenFailure(reason: lastError(library)))
        }
        do {
            return .success(try Libpcap(library: library, handle: handle))
        } catch {
            // The library is not libpcap or is too old to have every function: let it go.
            dlclose(handle)
            return .failure(error)
        }
    }

    private init(library: String, handle: UnsafeMutableRawPointer) throws(OpenFailure) {
        func symbol<Function>(_ name: String, as type: Function.Type) throws(OpenFailure) -> Function {
            guard let address = dlsym(handle, name) else { throw OpenFailure(reason: "no function \(name)") }
            return unsafeBitCast(address, to: type)
        }
        self.library = library
        openDead = try symbol("pcap_open_dead", as: cpcap_open_dead_fn.self)
        close = try symbol("pcap_close", as: cpcap_close_fn.self)
        compile = try symbol("pcap_compile", as: cpcap_compile_fn.self)
        freeCode = try symbol("pcap_freecode", as: cpcap_freecode_fn.self)
        getError = try symbol("pcap_geterr", as: cpcap_geterr_fn.self)
        filter = try symbol("bpf_filter", as: cpcap_bpf_filter_fn.self)
        validate = try symbol("bpf_validate", as: cpcap_bpf_validate_fn.self)
        image = try symbol("bpf_image", as: cpcap_bpf_image_fn.self)
        offlineFilter = try symbol("pcap_offline_filter", as: cpcap_offline_filter_fn.self)
        openOffline = try symbol("pcap_open_offline_with_tstamp_precision", as: cpcap_open_offline_with_tstamp_precision_fn.self)
        nextPacket = try symbol("pcap_next_ex", as: cpcap_next_ex_fn.self)
        dataLink = try symbol("pcap_datalink", as: cpcap_datalink_fn.self)
        libraryVersion = try symbol("pcap_lib_version", as: cpcap_lib_version_fn.self)
    }

    /// `dlerror()`'s message, less the `NAME: ` glibc puts in front of it.
    private static func lastError(_ library: String) -> String {
        guard let message = dlerror() else { return "cannot be opened" }
        let text = String(cString: message)
        let prefix = library + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
