// swift-tools-version: 6.1
// Micro-benchmarks for issue 6 (target 6: the patchify+normalise kernel against memcpy) and an
// in-process stage timer (decode / resize / patchify per image, for target 2 without process
// start-up). Its own package so the main Package.swift stays as it is.
//
// The main package has no library products (only the `mmprep` executable), so a
// `.package(path: "../..")` dependency could not import its modules. Instead the targets below
// are the main package's own source folders, reached through the symlinks in Sources/
// (Sources/MMPrepPreprocess -> ../../../Sources/MMPrepPreprocess, ...): the benchmark always
// compiles exactly the code in this checkout, with the same flags, and nothing is copied.
//
//   cd bench/kernels && swift package --disable-sandbox benchmark   (bench/run.sh does this)
import PackageDescription

// As in the main Package.swift: the preprocess kernels are compiled for x86-64-v2 on x86-64.
#if arch(x86_64)
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "nehalem"])]
#else
let kernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "mmprep-kernels",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg"),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp"),
        .target(name: "MMPrepCore"),
        .target(name: "MMPrepPreprocess", dependencies: ["MMPrepCore"], swiftSettings: kernelSettings),
        .target(name: "MMPrepDecode",
                dependencies: ["MMPrepCore", "CFFmpeg", "CPNG", "CJPEG", "CWebP",
                               .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "stage-timer",
                          dependencies: ["MMPrepCore", "MMPrepDecode", "MMPrepPreprocess"]),
        .executableTarget(
            name: "PatchifyBenchmark",
            dependencies: ["MMPrepCore", "MMPrepPreprocess", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/PatchifyBenchmark",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
