import PcapOracle
import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the test only where the system's libpcap can be loaded at run time; elsewhere the
    /// test is skipped with the loader's one-line reason, which names the package to install
    /// (Debian/Ubuntu `libpcap0.8`, Fedora and Alpine `libpcap`).
    public static var libpcapLoads: Self {
        let reason: String
        do {
            _ = try Libpcap.shared()
            reason = "libpcap is loaded"
        } catch {
            reason = "needs libpcap: \(error)"
        }
        return .enabled(if: Libpcap.isAvailable, Comment(rawValue: reason))
    }
}
