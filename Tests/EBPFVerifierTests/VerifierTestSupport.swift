import Testing
import EBPFAssembler
import EBPFCore
@testable import EBPFVerifier

/// Programs, helpers and maps shared by the verifier's tests.
enum VerifierFixtures {
    /// The map the tests reference as fd 7: 4-byte keys, 16-byte values.
    static let map = MapDescriptor(kind: .hash, keySize: 4, valueSize: 16, maxEntries: 64)

    /// Helper 1 declared as the kernel's `bpf_map_lookup_elem`, helper 2 as a GPL-only helper
    /// taking a memory buffer and its size, helper 3 returning 32 bytes of memory or null,
    /// helper 4 filling a buffer it is given with 0xff bytes (a writable memory argument, like
    /// the kernel's `bpf_probe_read`), helper 5 the conformance identity.
    static let helpers = HelperRegistry([
        HelperFunction(
            id: 1, name: "bpf_map_lookup_elem",
            signature: HelperSignature(arguments: [.mapPointer, .mapKey], returns: .mapValueOrNull),
            body: { _, _, _, _, _ in 0 }),
        HelperFunction(
            id: 2, name: "checksum", signature: HelperSignature(arguments: [.memory, .memorySize], returns: .scalar),
            gplOnly: true, body: { _, _, _, _, _ in 0 }),
        HelperFunction(
            id: 3, name: "scratch", signature: HelperSignature(arguments: [], returns: .memoryOrNull(size: 32)),
            body: { _, _, _, _, _ in 0 }),
        HelperFunction(
            id: 4, name: "fill", signature: HelperSignature(arguments: [.writableMemory, .memorySize], returns: .scalar),
            body: { buffer, size, _, _, _ in
                if let pointer = UnsafeMutableRawPointer(bitPattern: UInt(buffer)) {
                    pointer.initializeMemory(as: UInt8.self, repeating: 0xff, count: Int(size))
                }
                return 0
            }),
        HelperFunction(
            id: 5, name: "identity", signature: HelperSignature(arguments: [.anything], returns: .scalar),
            body: { r1, _, _, _, _ in r1 }),
    ])

    static func verifier(
        contextSize: Int? = 64, loops: VerifierOptions.LoopPolicy = .bounded, license: String? = "GPL",
        budget: Int = 1_000_000
    ) -> Verifier {
        Verifier(
            helpers: helpers,
            options: VerifierOptions(
                loops: loops, processedInstructionBudget: budget, contextSize: contextSize, license: license,
                maps: [7: map]))
    }

    static func program(_ source: String) throws -> Program {
        try Assembler.assemble(source)
    }

    /// map_key_loop's shape (Tests/Corpus/verifier): `for (u32 k = 0; k < 16; k++)` with the
    /// counter in a 4-byte stack slot whose address is map 7's lookup key.
    static let mapKeyLoop = """
        mov %r6, 0
        stw [%r10-4], 0
        loop:
        mov %r2, %r10
        add %r2, -4
        lddw %r1, map_fd 7
        call 1
        jeq %r0, 0, next
        ldxdw %r3, [%r0+0]
        add %r6, %r3
        next:
        ldxw %r1, [%r10-4]
        add32 %r1, 1
        stxw [%r10-4], %r1
        jlt32 %r1, 16, loop
        mov %r0, %r6
        exit
        """
}

/// One test program with the options it is verified under.
struct VerifierCase: CustomTestStringConvertible, Sendable {
    var name: String
    var source: String
    var contextSize: Int? = 64
    var loops: VerifierOptions.LoopPolicy = .bounded
    var license: String? = "GPL"
    var budget: Int = 1_000_000

    var testDescription: String { name }

    func verify() throws -> Result<VerificationResult, VerifierError> {
        let program = try VerifierFixtures.program(source)
        let verifier = VerifierFixtures.verifier(contextSize: contextSize, loops: loops, license: license, budget: budget)
        do throws(VerifierError) {
            return .success(try verifier.verify(program))
        } catch {
            return .failure(error)
        }
    }
}
