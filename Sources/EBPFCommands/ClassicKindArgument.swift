import ArgumentParser
import ClassicBPF

/// `--kind`: what the classic program filters.
enum ClassicKindArgument: String, ExpressibleByArgument, CaseIterable {
    case socket, packet, seccomp

    var kind: ClassicFilterKind {
        switch self {
        case .socket: .socketFilter
        case .packet: .capturedPacket
        case .seccomp: .seccomp
        }
    }
}
