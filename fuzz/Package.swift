// swift-tools-version: 6.0
// libFuzzer targets for mmprep. A separate package so the main one is unaffected; see README.md.
//
//   swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address \
//       --product fuzz-text
import PackageDescription

let package = Package(
    name: "mmprep-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mmprep", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // What one fuzz input does, shared by the fuzzers and the replay tool.
        .target(name: "FuzzEntries", dependencies: [.product(name: "MMPrepFuzzable", package: "mmprep"),
                                                  .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "fuzz-media", dependencies: ["FuzzEntries"], path: "Sources/FuzzMedia"),
        .executableTarget(name: "fuzz-pipeline", dependencies: ["FuzzEntries"], path: "Sources/FuzzPipeline"),
        .executableTarget(name: "fuzz-text", dependencies: ["FuzzEntries"], path: "Sources/FuzzText"),
        // Runs files (regressions, corpora) through the same entries without libFuzzer.
        .executableTarget(name: "fuzz-replay", dependencies: ["FuzzEntries"], path: "Sources/FuzzReplay"),
    ],
    swiftLanguageModes: [.v6]
)
