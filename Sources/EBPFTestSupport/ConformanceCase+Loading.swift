import Foundation

extension ConformanceCase {
    /// Reads and parses the `.data` file at `path`; the case is named after the file.
    public static func load(contentsOf path: String) throws(ConformanceCaseError) -> ConformanceCase {
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConformanceCaseError(name: name, line: nil, message: "cannot read \(path): \(error.localizedDescription)")
        }
        return try ConformanceCase(name: name, text: text)
    }

    /// Reads every `*.data` file of the directory at `path`, sorted by case name.
    public static func loadDirectory(_ path: String) throws(ConformanceCaseError) -> [ConformanceCase] {
        let fileNames: [String]
        do {
            fileNames = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ConformanceCaseError(name: path, line: nil, message: "cannot list directory: \(error.localizedDescription)")
        }
        var cases: [ConformanceCase] = []
        for fileName in fileNames.sorted() where fileName.hasSuffix(".data") {
            cases.append(try load(contentsOf: (path as NSString).appendingPathComponent(fileName)))
        }
        return cases.sorted { $0.name < $1.name }
    }
}
