import EBPFTestSupport
import Foundation

/// The committed fixtures: `tcpdump -d`, `-dd` and `-ddd` output for a few expressions, produced
/// once by tcpdump 4.99 / libpcap 1.10 and kept as text so the default build needs no libpcap.
enum Fixtures {
    static let directory = RepositoryLayout.url("Tests/ClassicBPFTests/Fixtures").path + "/"

    static let names = ["tcp-port-80-host", "http-payload"]

    static func text(_ name: String, _ suffix: String) -> String {
        (try? String(contentsOfFile: directory + name + "." + suffix, encoding: .utf8)) ?? ""
    }
}
