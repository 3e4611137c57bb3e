// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses for swift-ebpf's parsers and engines, kept out of the root package so that
// the root has no unsafeFlags. Build and run (see docs/testing.md):
//
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address
//   .build/debug/FuzzDecoder -max_total_time=300 corpus/decoder
//
// Each target defines LLVMFuzzerTestOneInput, so it is compiled as a library-style file
// (-parse-as-library) and libFuzzer supplies main.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "swift-ebpf-fuzz",
    dependencies: [.package(name: "swift-ebpf", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzDecoder",
            dependencies: [.product(name: "EBPF", package: "swift-ebpf")],
            swiftSettings: harness),
        .executableTarget(
            name: "FuzzAssembler",
            dependencies: [.product(name: "EBPF", package: "swift-ebpf")],
            swiftSettings: harness),
        .executableTarget(
            name: "FuzzVerifier",
            dependencies: [.product(name: "EBPF", package: "swift-ebpf")],
            swiftSettings: harness),
        .executableTarget(
            name: "FuzzEngines",
            dependencies: [.product(name: "EBPF", package: "swift-ebpf")],
            swiftSettings: harness),
    ]
)
