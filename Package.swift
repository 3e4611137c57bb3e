// swift-tools-version: 6.1
import PackageDescription

// Targets are layered: EBPFCore (instruction model, decoding, helpers, traps) is at the bottom;
// the assembler, interpreter, verifier and JIT each depend on it; EBPF re-exports them with a
// small high-level API; EBPFCommands holds the CLI commands so they can be tested; the two
// executables are thin shells over it.
let package = Package(
    name: "swift-ebpf",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EBPF", targets: ["EBPF"]),
        .executable(name: "ebpf", targets: ["ebpf"]),
        .executable(name: "ebpf-conformance-plugin", targets: ["ebpf-conformance-plugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "EBPFCore"),
        .target(name: "EBPFAssembler", dependencies: ["EBPFCore"]),
        .target(name: "EBPFInterpreter", dependencies: ["EBPFCore"]),
        .target(name: "X86Encoding"),
        .target(name: "EBPFVerifier", dependencies: ["EBPFCore"]),
        .target(name: "EBPFJIT", dependencies: ["EBPFCore", "X86Encoding"]),
        .target(
            name: "EBPF",
            dependencies: ["EBPFCore", "EBPFAssembler", "EBPFInterpreter", "EBPFVerifier", "EBPFJIT"]
        ),
        .target(
            name: "EBPFCommands",
            dependencies: ["EBPF", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "ebpf", dependencies: ["EBPFCommands"]),
        .executableTarget(name: "ebpf-conformance-plugin", dependencies: ["EBPFCommands"]),

        .testTarget(name: "EBPFCoreTests", dependencies: ["EBPFCore"]),
        .testTarget(name: "EBPFAssemblerTests", dependencies: ["EBPFAssembler"]),
        .testTarget(name: "EBPFInterpreterTests", dependencies: ["EBPFInterpreter", "EBPFAssembler"]),
        .testTarget(name: "X86EncodingTests", dependencies: ["X86Encoding"]),
        .testTarget(name: "EBPFVerifierTests", dependencies: ["EBPFVerifier", "EBPFAssembler"]),
        .testTarget(name: "EBPFJITTests", dependencies: ["EBPF"]),
        .testTarget(name: "EBPFCommandsTests", dependencies: ["EBPFCommands"]),
    ]
)
