import EBPFCore
import EBPFFuzz
import EBPFRuntime
import EBPFTestSupport
import Foundation
import Testing

/// The ELF loader and linker over mutated object files (the project's C examples and the loader
/// fixture, built by clang): every mutation loads or fails with a typed error (`ELFError` with a
/// file offset, `MapError`, `LinkError`) — never a crash or a hang.
@Suite struct ELFMutationTests {
    static let root = RepositoryLayout.root
    static let objectFiles: [URL] = {
        let folders = ["examples/c", "Tests/EBPFRuntimeTests/Fixtures"].map { root.appendingPathComponent($0) }
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".o") }.sorted().map { folder.appendingPathComponent($0) }
        }
    }()
    static let mutationsPerFile = FuzzSettings.fromEnvironment(defaultProgramCount: 6).programCount * 60

    @Test func objectFilesArePresent() {
        #expect(Self.objectFiles.count >= 2, "found \(Self.objectFiles.map(\.lastPathComponent))")
    }

    @Test(arguments: objectFiles)
    func loaderNeverCrashes(file: URL) throws {
        let original = Array(try Data(contentsOf: file))
        #expect((try? ELFObject(bytes: original)) != nil, "the unmutated file must load")
        var mutator = Mutator(seed: UInt64(original.count))
        var loaded = 0
        var rejected = 0
        var linked = 0
        for _ in 0..<Self.mutationsPerFile {
            let bytes = mutator.mutate(original)
            do throws(ELFError) {
                let object = try ELFObject(bytes: bytes)
                loaded += 1
                guard let live = try? LoadedObject(object) else { continue }
                for program in object.programs {
                    if (try? live.link(program)) != nil { linked += 1 }
                }
            } catch {
                rejected += 1
                #expect(error.offset >= 0, "\(error)")
                #expect(!error.description.isEmpty)
            }
        }
        #expect(loaded + rejected == Self.mutationsPerFile)
        #expect(rejected > 0, "mutations should break some files")
        print("\(file.lastPathComponent): \(loaded) loaded (\(linked) programs linked), \(rejected) rejected")
    }
}
