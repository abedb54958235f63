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
            FileManager.default.contents(atPath: dir + "/" + name).map { (name, Array($0)) }
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

    @Test func mediaInputs() throws {
        var pipeline = Presets.preset(.qwen25VL)
        pipeline.image.maxDecodePixels = 4096 * 4096
        pipeline.video.maxDecodePixels = 2048 * 2048
        pipeline.video.maxFrames = 8
        pipeline.limits.timeout = 10
        let runner = SampleRunner(pipeline: pipeline, logger: Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        for (name, bytes) in Self.inputs("media") {
            let path = try Self.scratch(name, bytes)
            _ = try? runner.preprocess(path: path)
            _ = try? runner.imageDecoder.decode(path: path)
            _ = try? runner.probeVideo(path: path)
        }
    }
}
