import ClassicBPF
import Foundation
import PcapOracle

/// Where a classic program comes from: a tcpdump expression compiled by libpcap, or a file.
enum ClassicSource {
    case expression(String)
    case file(String)

    /// The words of an expression (joined with spaces, as tcpdump does) or a `--filter-file`;
    /// exactly one of the two.
    init(expressionWords: [String], filterFile: String?) throws {
        switch (expressionWords.isEmpty, filterFile) {
        case (false, nil): self = .expression(expressionWords.joined(separator: " "))
        case (true, let path?): self = .file(path)
        case (false, .some): throw CommandFailure("give either a filter expression or --filter-file, not both")
        case (true, nil): throw CommandFailure("give a filter expression or --filter-file FILE")
        }
    }

    /// The classic program: compiled for `linkType` and `snapLength` (libpcap's `pcap_compile`,
    /// optimised, as tcpdump does), or decoded from the file (`tcpdump -dd`/`-ddd` text or raw
    /// `sock_filter` bytes, told apart by their contents).
    func load(linkType: LinkType, snapLength: UInt32) throws -> ClassicProgram {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("\(path): cannot read file") }
            do {
                return try ClassicProgram(fileContents: Array(data))
            } catch {
                throw CommandFailure("\(path): \(error)")
            }
        case .expression(let expression):
            // libpcap takes the snap length as an int; 0 (a pcapng interface without limit) and
            // values above INT32_MAX become its usual maximum.
            let snaplen = snapLength == 0 || snapLength > UInt32(Int32.max) ? 262_144 : Int32(snapLength)
            do throws(PcapCompileError) {
                return try PcapCompiler.compile(expression: expression, linkType: linkType, snaplen: snaplen)
            } catch .libpcapUnavailable(let error) {
                // libpcap is opened at run time; without it only --filter-file works.
                throw CommandFailure(
                    "filter expressions need libpcap, which could not be loaded (\(error.triedSummary)); \(LibpcapLoadError.installHint), or give the classic program with --filter-file")
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }

    /// How errors name the program.
    var name: String {
        switch self {
        case .expression(let expression): "'\(expression)'"
        case .file(let path): path
        }
    }
}
