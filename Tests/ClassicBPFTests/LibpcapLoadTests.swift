import Testing
import PcapOracle

/// Opening libpcap at run time: the candidate list, the typed error where no candidate loads,
/// and its one-line text. The failure paths run whether or not libpcap is installed.
@Suite struct LibpcapLoadTests {
    /// Names no system has.
    static let missing = ["libpcap-swift-ebpf-missing.so.1", "libpcap-swift-ebpf-missing.so.0.8"]

    @Test func missingLibraryIsATypedErrorNamingThePackage() throws {
        let result = Libpcap.load(candidates: Self.missing)
        guard case .failure(let error) = result else {
            Issue.record("a library that does not exist loaded")
            return
        }
        #expect(error.attempts.map(\.library) == Self.missing)
        #expect(error.attempts.allSatisfy { !$0.reason.isEmpty && !$0.reason.hasPrefix($0.library) }, "\(error.attempts)")
        let text = error.description
        #expect(!text.contains("\n"))
        // Both reasons are the same, so it is given once after the list of names.
        #expect(text.hasPrefix("cannot load libpcap (tried \(Self.missing.joined(separator: ", ")): "), "\(text)")
        #expect(text.hasSuffix("); install the libpcap runtime library (Debian/Ubuntu: libpcap0.8; Fedora: libpcap; Alpine: libpcap)"), "\(text)")
    }

    @Test func differentReasonsAreEachNamed() {
        let error = LibpcapLoadError(attempts: [
            .init(library: "a.so", reason: "cannot open shared object file: No such file or directory"),
            .init(library: "b.so", reason: "no function pcap_compile"),
        ])
        #expect(error.triedSummary == "tried a.so: cannot open shared object file: No such file or directory; b.so: no function pcap_compile")
        #expect(LibpcapLoadError(attempts: []).triedSummary == "no library to try")
        guard case .failure(let none) = Libpcap.load(candidates: []) else {
            Issue.record("an empty list loaded a library")
            return
        }
        #expect(none.attempts.isEmpty)
    }

    #if canImport(Glibc)
    /// A library that opens but is not libpcap (glibc's, by its soname) is refused by the first
    /// function it lacks, and the search goes on to the next candidate.
    @Test func aLibraryWithoutTheFunctionsIsRefused() {
        let result = Libpcap.load(candidates: ["libc.so.6"] + Self.missing.prefix(1))
        guard case .failure(let error) = result else {
            Issue.record("libc was taken for libpcap")
            return
        }
        #expect(error.attempts.map(\.library) == ["libc.so.6", Self.missing[0]])
        #expect(error.attempts.first?.reason == "no function pcap_open_dead")
    }
    #endif

    /// Missing names before the real ones are skipped: the default list (libpcap.so.1 first,
    /// then Debian's libpcap.so.0.8) finds the installed library.
    @Test(.libpcapLoads) func fallsBackToTheNextCandidate() throws {
        let library = try Libpcap.load(candidates: Self.missing + Libpcap.defaultCandidates).get()
        #expect(Libpcap.defaultCandidates.contains(library.library))
        #expect(library.version.hasPrefix("libpcap version "), "\(library.version)")
    }

    /// Where libpcap is missing, the compiler throws its typed error rather than crashing, and
    /// the text is the loader's.
    @Test func compileErrorCarriesTheLoadError() {
        let load = LibpcapLoadError(attempts: [.init(library: "libpcap.so.1", reason: "cannot open shared object file: No such file or directory")])
        let error = PcapCompileError.libpcapUnavailable(load)
        #expect(error.description == load.description)
        #expect(LibpcapReadError.libpcapUnavailable(load).description == load.description)
    }
}
