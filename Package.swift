// swift-tools-version: 6.0
import PackageDescription

// The preprocess kernels (resize, patchify) are written as SIMD16 lanes; on x86-64 they are
// compiled for x86-64-v2 (SSE4.2, as on every x86-64 CPU since 2008-2011: `nehalem` is LLVM's
// name for that level) so that 32-bit lane multiplies and byte widening are single instructions.
#if arch(x86_64)
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "nehalem"])]
#else
let kernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "mmprep",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mmprep", targets: ["mmprep"]),
        // For the fuzz targets in fuzz/ (a separate package that depends on this one by path).
        .library(name: "MMPrepFuzzable",
                 targets: ["MMPrepDecode", "MMPrepPipeline", "MMPrepText", "MMPrepDataset", "MMPrepRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, wrapped with prefixed shims for their macros.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Shared value types (pixel buffers) that decode produces and preprocess consumes.
        .target(name: "MMPrepCore"),
        // Decoding: FFmpeg, libjpeg-turbo, libwebp, libpng. Knows nothing of pipelines, text or shards.
        .target(name: "MMPrepDecode",
                dependencies: ["MMPrepCore", "CFFmpeg", "CPNG", "CJPEG", "CWebP",
                               .product(name: "Logging", package: "swift-log")]),
        // Pure Swift: frame-index rules, smart_resize, resize kernels, normalise, patchify.
        .target(name: "MMPrepPreprocess", dependencies: ["MMPrepCore"], swiftSettings: kernelSettings),
        // Pipeline YAML: presets, overrides, validation.
        .target(name: "MMPrepPipeline",
                dependencies: ["MMPrepPreprocess", .product(name: "Yams", package: "Yams")]),
        // Inputs: folder walks, sidecars, JSONL manifests, sample keys, path confinement.
        .target(name: "MMPrepDataset"),
        // Text: JSON values, messages (Qwen / ShareGPT / caption), chat templates, placeholder expansion.
        .target(name: "MMPrepText"),
        // Tensor files (safetensors), batched shards, tar, the dataset index.
        .target(name: "MMPrepShards", dependencies: ["CCrypto"]),
        // The watch-folder service: readiness, claims, exactly-once commits, state, notify.
        .target(name: "MMPrepService",
                dependencies: ["MMPrepRunner", "MMPrepPipeline", "MMPrepShards", "MMPrepDataset", "CLinux",
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                               .product(name: "Logging", package: "swift-log")]),
        // Composes one sample: decode -> preprocess -> tensors.
        .target(name: "MMPrepRunner",
                dependencies: ["MMPrepCore", "MMPrepDecode", "MMPrepPreprocess", "MMPrepPipeline", "MMPrepShards",
                               "MMPrepDataset", "MMPrepText", "CLinux",
                               .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "mmprep",
                          dependencies: ["MMPrepRunner", "MMPrepPipeline", "MMPrepDecode", "MMPrepShards",
                                         "MMPrepCore", "MMPrepPreprocess", "MMPrepText", "MMPrepService",
                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        .testTarget(name: "MMPrepPreprocessTests", dependencies: ["MMPrepPreprocess", "MMPrepCore", "MMPrepShards"]),
        .testTarget(name: "MMPrepPipelineTests", dependencies: ["MMPrepPipeline"]),
        .testTarget(name: "MMPrepDecodeTests", dependencies: ["MMPrepDecode", "MMPrepCore"]),
        .testTarget(name: "MMPrepShardsTests", dependencies: ["MMPrepShards"]),
        .testTarget(name: "MMPrepTextTests", dependencies: ["MMPrepText"]),
        .testTarget(name: "MMPrepDatasetTests", dependencies: ["MMPrepDataset"]),
        .testTarget(name: "MMPrepServiceTests", dependencies: ["MMPrepService"]),
        // Replays fuzz/regressions/ (inputs the fuzz targets in fuzz/ found).
        .testTarget(name: "FuzzRegressionTests",
                    dependencies: ["MMPrepRunner", "MMPrepPipeline", "MMPrepDecode", "MMPrepText", "MMPrepDataset",
                                   .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
