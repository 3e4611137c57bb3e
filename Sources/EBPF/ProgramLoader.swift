import Foundation

/// Reads a program from a file in any supported format.
public enum ProgramLoader {
    /// Loads the program at `path`; `format` overrides the one the extension implies.
    public static func load(path: String, format: ProgramFormat? = nil) throws(LoadError) -> Program {
        guard let resolved = format ?? ProgramFormat(path: path) else {
            throw .unknownFormat(path: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path)
        }
        return try load(bytes: Array(data), format: resolved, path: path)
    }

    /// Loads a program from the contents of a file of the given format. An ELF object holds several
    /// programs and their maps: load it with `LoadedObject` (EBPFRuntime) instead.
    public static func load(bytes: [UInt8], format: ProgramFormat, path: String = "<memory>") throws(LoadError) -> Program {
        switch format {
        case .assembly:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .notText(path: path)
            }
            do {
                return try Assembler.assemble(text)
            } catch {
                throw .assembly(path: path, error)
            }
        case .bytecode:
            do {
                return try Program(decoding: bytes)
            } catch {
                throw .decoding(path: path, error)
            }
        case .elf:
            throw .unsupportedFormat(path: path, format: format)
        }
    }
}

/// Why a program file could not be loaded.
public enum LoadError: Error, CustomStringConvertible {
    case unreadable(path: String)
    case unknownFormat(path: String)
    case notText(path: String)
    case unsupportedFormat(path: String, format: ProgramFormat)
    case assembly(path: String, AssemblerError)
    case decoding(path: String, DecodeError)

    public var description: String {
        switch self {
        case .unreadable(let path): "\(path): cannot read file"
        case .unknownFormat(let path): "\(path): unknown program format (use --format asm|bin|elf)"
        case .notText(let path): "\(path): assembly source is not valid UTF-8"
        case .unsupportedFormat(let path, let format): "\(path): \(format.rawValue) files hold programs and maps: load them with LoadedObject"
        case .assembly(let path, let error): "\(path): \(error)"
        case .decoding(let path, let error): "\(path): \(error)"
        }
    }
}
