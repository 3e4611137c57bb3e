// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses for swift-ebpf's parsers and engines, kept out of the root package so that
// the root has no unsafeFlags. Build and run (see docs/testing.md):
//
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address
//   .build/debug/FuzzDecoder -max_total_time=300 corpus/decoder
//
// Each target keeps the `main` SwiftPM gives executables and hands control to libFuzzer with
// LLVMFuzzerRunDriver (FuzzSupport), so no unsafe flags are needed.

let package = Package(
    name: "swift-ebpf-fuzz",
    dependencies: [.package(name: "swift-ebpf", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzDecoder",
            dependencies: ["FuzzSupport", .product(name: "EBPF", package: "swift-ebpf")]),
        .executableTarget(
            name: "FuzzAssembler",
            dependencies: ["FuzzSupport", .product(name: "EBPF", package: "swift-ebpf")]),
        .executableTarget(
            name: "FuzzVerifier",
            dependencies: ["FuzzSupport", .product(name: "EBPF", package: "swift-ebpf")]),
        .executableTarget(
            name: "FuzzEngines",
            dependencies: ["FuzzSupport", .product(name: "EBPF", package: "swift-ebpf")]),
        .executableTarget(
            name: "FuzzELF",
            dependencies: ["FuzzSupport", .product(name: "EBPF", package: "swift-ebpf")]),
    ]
)
