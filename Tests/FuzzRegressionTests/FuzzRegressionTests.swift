import Foundation
import Logging
import MMPrepDataset
import MMPrepDecode
import MMPrepPipeline
import MMPrepRunner
import MMPrepText
import Testing

/// Replays the inputs the fuzzers found (fuzz/regressions/<target>/) through the same entry
/// points as the fuzz targets in fuzz/Sources/FuzzEntries. Each must return (an error is
/// fine); a crash fails the suite, and under scripts/test-sanitizers.sh so does a leak or a
/// memory error.
struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz/regressions")

    static func inputs(_ target: String) -> [(String, [UInt8])] {
        let dir = regressions.appendingPathComponent(target).path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.filter { !$0.hasPrefix(".") }.compactMap { name in
            (try? BoundedFile.read(dir + "/" + name, maxBytes: 1 << 20)).map { (name, $0) }
        }
    }

    static func scratch(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func textInputs() throws {
        for (_, bytes) in Self.inputs("text") {
            if let value = try? JSONValue.parse(bytes) {
                #expect(try JSONValue.parse(value.serialized()) == value)
                _ = try? MessagesParser.parse(record: value)
            }
            let manifest = try Self.scratch("m.jsonl", bytes)
            _ = try? InputWalker().walk([manifest])
            _ = try? SidecarFile.read(try Self.scratch("s.json", bytes), maxBytes: 1 << 20)
        }
    }

    @Test func pipelineInputs() {
        for (_, bytes) in Self.inputs("pipeline") {
            guard let p = try? PipelineLoader.parse(yaml: String(decoding: bytes, as: UTF8.self), source: "f.yaml"),
                  (try? PipelineLoader.validate(p, source: "f.yaml")) != nil else { continue }
            let back = try? PipelineLoader.parse(yaml: PipelineLoader.render(p), source: "r.yaml")
            #expect(back?.limits == p.limits && back?.image == p.image && back?.video == p.video)
        }
    }

    /// The fuzz-media target's pipeline (fuzz/Sources/FuzzEntries): small limits and sizes.
    static var fuzzPipeline: Pipeline {
        var p = Presets.preset(.qwen25VL)
        p.image.maxDecodePixels = 4096 * 4096
        p.image.minPixels = 56 * 56
        p.image.maxPixels = 112 * 112
        p.video.maxDecodePixels = 2048 * 2048
        p.video.maxFrames = 8
        p.video.minPixels = 56 * 56
        p.video.maxPixels = 112 * 112
        p.video.threads = 1
        p.limits.timeout = 5
        p.limits.maxFrames = 20_000
        return p
    }

    static let logger = Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func mediaInputs() throws {
        let runner = SampleRunner(pipeline: Self.fuzzPipeline, logger: Self.logger)
        for (name, bytes) in Self.inputs("media") {
            let path = try Self.scratch(name, bytes)
            _ = try? runner.preprocess(path: path)
            _ = try? runner.imageDecoder.decode(path: path)
            if let info = try? VideoProbe.scan(path: path, limits: runner.videoLimits) {
                let picks = Array(Set([0, info.frameCount / 2, info.frameCount - 1]))
                try? VideoFrameReader(path: path, info: info, threads: 1, limits: runner.videoLimits)
                    .decode(indices: picks) { _, _ in }
            }
        }
    }

    /// fuzz/regressions/media/thin-video-resizes-to-zero-width.ts: qwen-vl-utils' sizing gives a
    /// thin frame a width of 0 under a small max_pixels, which trapped in the resize. A manifest
    /// can ask for that: a video part's own `max_pixels` with the default pipeline. Now a
    /// resize-stage error.
    @Test func thinFramesAreAResizeErrorNotATrap() {
        var pipeline = Presets.preset(.qwen25VL)
        pipeline.video.itemMaxPixels = 12544
        let runner = SampleRunner(pipeline: pipeline, logger: Self.logger)
        var warnings: [String] = []
        #expect(throws: RunnerError.self) {
            _ = try runner.videoSize(frames: 2, height: 536, width: 32, file: "thin.mp4", warnings: &warnings)
        }
        let small = SampleRunner(pipeline: Self.fuzzPipeline, logger: Self.logger)
        #expect(throws: RunnerError.self) {
            _ = try small.videoSize(frames: 1, height: 536, width: 32, file: "thin.ts", warnings: &warnings)
        }
    }
}
