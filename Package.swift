// swift-tools-version: 6.1
import PackageDescription

// Targets are layered: EBPFCore (instruction model, decoding, helpers, traps) is at the bottom;
// the assembler, interpreter, verifier and JIT each depend on it; EBPF re-exports them with a
// small high-level API; EBPFCommands holds the CLI commands so they can be tested; the
// executables are thin shells over it and over EBPFFuzz. EBPFTestSupport is for the test targets
// only: nothing shipped depends on it.
let package = Package(
    name: "swift-ebpf",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EBPF", targets: ["EBPF"]),
        .executable(name: "ebpf", targets: ["ebpf"]),
        .executable(name: "ebpf-conformance-plugin", targets: ["ebpf-conformance-plugin"]),
        .executable(name: "ebpf-fuzz", targets: ["ebpf-fuzz"]),
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
        // The Linux kernel's bpf(2): a C shim (Swift cannot call the variadic syscall(2)) and a
        // Swift wrapper used as a third oracle in tests where bpf() is allowed.
        .target(name: "CLinuxBPF"),
        .target(name: "EBPFKernel", dependencies: ["EBPFCore", "CLinuxBPF"]),
        .target(name: "EBPFJIT", dependencies: ["EBPFCore", "X86Encoding"]),
        .target(name: "EBPFRuntime", dependencies: ["EBPFCore"]),
        // Classic BPF (tcpdump, seccomp): model, checker, reference interpreter, translator to
        // eBPF, pcap files.
        .target(name: "ClassicBPF", dependencies: ["EBPFCore"]),
        // libpcap, opened at run time with dlopen (nothing links it, no headers needed):
        // `pcap_compile` for filter expressions and `bpf_filter` as the oracle. CPcap declares
        // libpcap's types and function signatures; where the runtime library (Debian/Ubuntu
        // `libpcap0.8`, Fedora and Alpine `libpcap`) is missing, calls throw `LibpcapLoadError`.
        .target(name: "CPcap"),
        .target(name: "PcapOracle", dependencies: ["ClassicBPF", "CPcap"]),
        .target(
            name: "EBPF",
            dependencies: ["EBPFCore", "EBPFAssembler", "EBPFInterpreter", "EBPFVerifier", "EBPFJIT", "EBPFRuntime"]
        ),
        .target(
            name: "EBPFCommands",
            dependencies: ["EBPF", "ClassicBPF", "PcapOracle", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Random eBPF programs from a seed (SplitMix64, the generator, the helpers its programs
        // call): shipped because `ebpf-fuzz` generates programs, and used by the tests.
        .target(name: "EBPFProgramGenerator", dependencies: ["EBPFCore"]),
        // Runs one program on two engines and reports every difference; shrinks disagreeing
        // programs. Shipped with `ebpf-fuzz`, used by the tests.
        .target(name: "EBPFDifferential", dependencies: ["EBPFCore", "EBPFAssembler", "EBPFProgramGenerator"]),
        // Test-only: repository layout, the conformance corpus and its `.data` parser, synthetic
        // captures, pcapng builder, the libpcap test condition; re-exports the generator and the
        // differential harness. No shipped target depends on it.
        .target(
            name: "EBPFTestSupport",
            dependencies: ["EBPFCore", "EBPFAssembler", "ClassicBPF", "PcapOracle", "EBPFProgramGenerator", "EBPFDifferential"]
        ),
        // Differential fuzzing (interpreter vs JIT vs kernel) and its command-line driver.
        .target(
            name: "EBPFFuzz",
            dependencies: [
                "EBPFCore", "EBPFAssembler", "EBPFInterpreter", "EBPFJIT", "EBPFVerifier", "EBPFKernel", "EBPFProgramGenerator",
                "EBPFDifferential",
            ]
        ),
        .executableTarget(
            name: "ebpf-fuzz",
            dependencies: ["EBPFFuzz", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "ebpf", dependencies: ["EBPFCommands"]),
        .executableTarget(name: "ebpf-conformance-plugin", dependencies: ["EBPFCommands"]),

        .testTarget(name: "EBPFCoreTests", dependencies: ["EBPFCore"]),
        .testTarget(name: "EBPFAssemblerTests", dependencies: ["EBPFAssembler", "EBPFTestSupport"]),
        .testTarget(name: "EBPFInterpreterTests", dependencies: ["EBPFInterpreter", "EBPFAssembler", "EBPFTestSupport"]),
        .testTarget(name: "X86EncodingTests", dependencies: ["X86Encoding"]),
        .testTarget(name: "EBPFVerifierTests", dependencies: ["EBPFVerifier", "EBPFAssembler", "EBPFKernel", "EBPFTestSupport", "EBPFInterpreter"]),
        .testTarget(name: "EBPFJITTests", dependencies: ["EBPF", "EBPFTestSupport"]),
        .testTarget(name: "EBPFTestSupportTests", dependencies: ["EBPFTestSupport", "EBPFInterpreter"]),
        .testTarget(name: "EBPFFuzzTests", dependencies: ["EBPFFuzz", "EBPF", "EBPFKernel", "EBPFRuntime", "EBPFTestSupport"]),
        .testTarget(
            name: "EBPFRuntimeTests", dependencies: ["EBPFRuntime", "EBPFAssembler", "EBPFInterpreter", "EBPF", "EBPFTestSupport", "EBPFKernel"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EBPFCommandsTests",
            dependencies: ["EBPFCommands", "EBPFTestSupport", "ClassicBPF", "PcapOracle", "EBPFAssembler", "ebpf", "ebpf-conformance-plugin"]
        ),
        .testTarget(
            name: "ClassicBPFTests",
            dependencies: ["ClassicBPF", "EBPFInterpreter", "EBPFJIT", "EBPFVerifier", "PcapOracle", "EBPFTestSupport"],
            exclude: ["Fixtures"]
        ),
    ]
)
