// swift-tools-version: 6.1
import PackageDescription

// The package-benchmark suite of swift-ebpf (run from this folder: `swift package benchmark`).
// Its own package so the root package keeps no benchmark dependency.
let package = Package(
    name: "swift-ebpf-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-ebpf", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EBPFBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "EBPF", package: "swift-ebpf"),
            ],
            path: "Benchmarks/EBPFBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
