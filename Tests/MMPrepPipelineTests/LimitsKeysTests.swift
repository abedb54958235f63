import Foundation
@testable import MMPrepPipeline
import Testing

/// The `limits.*` keys: defaults, `--set`, files, rendering (YAML and JSON), bad values.
struct LimitsKeysTests {
    @Test func defaultsSetAndRender() throws {
        let preset = try PipelineLoader.load("qwen3-vl")
        #expect(preset.limits == LimitsSettings())
        let p = try PipelineLoader.load("qwen3-vl", overrides: [
            "limits.max_frames=500", "limits.codecs=[h264, vp9]", "limits.timeout=2.5",
            "limits.max_sidecar_bytes=4096", "limits.max_file_bytes=1_000_000", "limits.max_streams=2",
            "limits.max_animation_frames=50", "limits.max_alloc_bytes=2097152",
        ])
        #expect(p.limits == LimitsSettings(maxFileBytes: 1_000_000, maxStreams: 2, maxFrames: 500,
                                           maxAnimationFrames: 50, codecs: ["h264", "vp9"], timeout: 2.5,
                                           maxAllocBytes: 2_097_152, maxSidecarBytes: 4096))
        let yaml = PipelineLoader.render(p)
        #expect(yaml.contains("limits:\n  max_file_bytes: 1000000\n"))
        #expect(try PipelineLoader.parse(yaml: yaml, source: "r.yaml").limits == p.limits)
        let json = try JSONSerialization.jsonObject(with: Data(PipelineLoader.renderJSON(p).utf8)) as? [String: Any]
        #expect((json?["limits"] as? [String: Any])?["codecs"] as? [String] == ["h264", "vp9"])
    }

    @Test func badValuesAreRefused() {
        for bad in ["limits.codecs=[]", "limits.codecs=[\"h 264\"]", "limits.codecs=h264", "limits.timeout=0",
                    "limits.max_frames=0", "limits.max_alloc_bytes=1000", "limits.max_sidcar_bytes=1"] {
            #expect(throws: PipelineError.self, "\(bad)") { try PipelineLoader.load("qwen2-vl", overrides: [bad]) }
        }
    }
}
