/// Why ``LoadedObject`` could not load an object or link a program: the error of the stage that
/// failed.
public enum ObjectLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    case elf(ELFError)
    case map(MapError)
    case link(LinkError)
    case noSuchProgram(String, available: [String])

    public var description: String {
        switch self {
        case .elf(let error): "\(error)"
        case .map(let error): "\(error)"
        case .link(let error): "\(error)"
        case .noSuchProgram(let name, let available):
            "no program named '\(name)' (the object has: \(available.joined(separator: ", ")))"
        }
    }
}
