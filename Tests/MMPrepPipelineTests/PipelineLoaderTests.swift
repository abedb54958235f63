import Foundation
import MMPrepPipeline
import MMPrepPreprocess
import Testing

struct PipelineLoaderTests {
    static let pipelinesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pipelines")

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mmprep-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: Presets.names)
    func shippedYAMLEqualsTheBuiltInPreset(_ name: String) throws {
        let path = Self.pipelinesDir.appendingPathComponent("\(name).yaml").path
        let fromFile = try PipelineLoader.load(path)
        #expect(fromFile == Presets.named(name)!)
        // And rendering the preset reads back to itself.
        let round = try PipelineLoader.parse(yaml: PipelineLoader.render(fromFile), source: "render")
        #expect(round == fromFile)
    }

    @Test func presetValuesArePublishedOnes() {
        let q2 = Presets.named("qwen2.5-vl")!
        #expect(q2.image.minPixels == 3136 && q2.image.maxPixels == 12_845_056 && q2.image.patchSize == 14)
        #expect(q2.video.sampling == .smartNFrames && q2.video.sizing == .qwenVLUtils)
        #expect(q2.video.minPixels == 128 * 28 * 28 && q2.video.maxPixels == 768 * 28 * 28)
        let q3 = Presets.named("qwen3.5")!
        #expect(q3.image.minPixels == 65536 && q3.image.maxPixels == 16_777_216 && q3.image.patchSize == 16)
        #expect(q3.image.mean == [0.5, 0.5, 0.5])
        #expect(q3.video.sampling == .qwen3 && q3.video.minPixels == 4096 && q3.video.maxPixels == 25_165_824)
    }

    @Test func partialFileTakesTheFamilyDefaults() throws {
        let path = try Self.write("family: qwen3-vl\nvideo:\n  fps: 1\n")
        let p = try PipelineLoader.load(path)
        #expect(p.video.fps == 1)
        #expect(p.image == Presets.named("qwen3-vl")!.image)
    }

    @Test func typoNamesTheFileAndKey() throws {
        let path = try Self.write("family: qwen2-vl\nimage:\n  max_pixel: 100\n")
        do {
            _ = try PipelineLoader.load(path)
            Issue.record("a typo was accepted")
        } catch {
            #expect(error.source == path)
            #expect(error.keyPath == "image.max_pixel")
            #expect(error.description.contains("did you mean image.max_pixels"))
        }
    }

    @Test func badValuesSayWhatWasExpected() throws {
        for (yaml, key) in [
            ("family: qwen2-vl\nimage:\n  resample: lanczos\n", "image.resample"),
            ("family: qwen2-vl\nimage:\n  mean: [0.5, 0.5]\n", "image.mean"),
            ("family: qwen2-vl\nvideo:\n  fps: -1\n", "video.fps"),
            ("family: qwen9\n", "family"),
            ("family: qwen2-vl\nvidoe:\n  fps: 1\n", "vidoe"),
            ("family: qwen2-vl\nimage:\n  min_pixels: 100\n  max_pixels: 50\n", "image.min_pixels"),
        ] {
            let path = try Self.write(yaml)
            do {
                _ = try PipelineLoader.load(path)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(error.keyPath == key, "\(yaml)")
                #expect(error.source.hasPrefix(path))
            }
        }
    }

    @Test func setOverridesAnyKey() throws {
        let p = try PipelineLoader.load("qwen2-vl", overrides: ["image.resample=pillow12", "video.fps=1",
                                                                "image.mean=[0.1, 0.2, 0.3]", "video.frames=8"])
        #expect(p.image.resample == .pillow12)
        #expect(p.video.fps == 1)
        #expect(p.image.mean == [0.1, 0.2, 0.3])
        #expect(p.video.frames == 8)
        #expect(throws: PipelineError.self) { try PipelineLoader.load("qwen2-vl", overrides: ["video.fsp=1"]) }
        #expect(throws: PipelineError.self) { try PipelineLoader.load("qwen2-vl", overrides: ["video.fps"]) }
    }

    @Test func unknownPipelineIsAnError() {
        #expect(throws: PipelineError.self) { try PipelineLoader.load("/nonexistent/pipeline.yaml") }
    }
}
