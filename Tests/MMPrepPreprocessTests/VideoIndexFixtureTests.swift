import Foundation
import MMPrepPreprocess
import Testing

/// Frame indices, padding and timestamps against the fixture generated with the real
/// transformers video processors and qwen-vl-utils (scripts/ref/gen_video_indices.py).
struct VideoIndexFixtureTests {
    struct Case: Decodable, CustomStringConvertible {
        let rule: String
        let total: Int
        let video_fps: Double
        let fps: Double?
        let nframes: Int?
        let min_frames: Int?
        let max_frames: Int?
        let video_start: Double?
        let video_end: Double?
        let indices: [Int]?
        let padded_indices: [Int]?
        let grid_t: Int?
        let timestamps: [Double]?
        let timestamp_texts: [String]?
        let sampled_fps: Double?
        let error: String?
        let processor_error: String?

        var description: String {
            "\(rule) total=\(total) video_fps=\(video_fps) fps=\(fps.map { "\($0)" } ?? "-") nframes=\(nframes.map { "\($0)" } ?? "-") range=\(video_start.map { "\($0)" } ?? "-")..\(video_end.map { "\($0)" } ?? "-")"
        }
    }

    struct Fixture: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: FixturePaths.url("video-indices.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data).cases
    }()

    static func sampler(for c: Case) -> FrameSampler {
        let rule: FrameSamplingRule = switch c.rule {
        case "qwen2": .qwen2
        case "qwen3": .qwen3
        default: .smartNFrames
        }
        return FrameSampler(rule: rule, fps: c.fps ?? 2, frames: c.nframes, minFrames: c.min_frames ?? 4,
                            maxFrames: c.max_frames ?? 768, temporalPatchSize: 2,
                            start: c.video_start, end: c.video_end)
    }

    @Test func fixtureCoversTheRequiredCases() {
        let totals = Set(Self.cases.map(\.total))
        #expect(totals.isSuperset(of: [1, 2, 3, 7]))
        #expect(Self.cases.contains { $0.total == 7 && $0.video_fps == 30 })
        #expect(Self.cases.contains { $0.total > 2000 && $0.indices?.count == 768 })
        #expect(Self.cases.contains { abs($0.video_fps - 29.97) < 0.01 })
        #expect(Self.cases.contains { abs($0.video_fps - 23.976) < 0.01 })
        #expect(Set(Self.cases.map(\.rule)) == ["qwen2", "qwen3", "smart_nframes"])
        #expect(Self.cases.count > 200)
    }

    @Test(arguments: cases.filter { $0.error == nil && $0.processor_error == nil })
    func indicesPaddingAndTimestampsMatch(_ c: Case) throws {
        let plan = try Self.sampler(for: c).plan(total: c.total, videoFPS: c.video_fps)
        #expect(plan.indices == c.indices, "\(c)")
        #expect(plan.paddedIndices == c.padded_indices, "\(c)")
        #expect(plan.paddedIndices.count / 2 == c.grid_t, "\(c)")
        #expect(plan.warnings.isEmpty, "\(c)")
        if let stamps = c.timestamps {
            #expect(plan.groupTimestamps == stamps, "\(c)")
        }
        if let texts = c.timestamp_texts {
            #expect(plan.groupTimestamps.map { String(format: "<%.1f seconds>", $0) } == texts, "\(c)")
        }
        if let sampled = c.sampled_fps {
            #expect(abs(plan.sampledFPS - sampled) <= 1e-12 * sampled, "\(c)")
        }
    }

    /// Where the reference raises, mmprep still plans a usable sample and says what it did,
    /// except for an empty time range, which is the caller's error.
    @Test(arguments: cases.filter { $0.error != nil || $0.processor_error != nil })
    func referenceFailuresGiveAWarnedFallback(_ c: Case) throws {
        let sampler = Self.sampler(for: c)
        if c.error?.contains("Invalid time range") == true {
            #expect(throws: FrameSamplingError.self) { try sampler.plan(total: c.total, videoFPS: c.video_fps) }
            return
        }
        let plan = try sampler.plan(total: c.total, videoFPS: c.video_fps)
        #expect(!plan.indices.isEmpty)
        #expect(plan.indices.allSatisfy { $0 >= 0 && $0 < c.total }, "\(c)")
        #expect(plan.paddedIndices.count % 2 == 0)
        if c.processor_error?.contains("temporal_factor") == true {
            // Sampling itself matches; only the reference's sizing step fails (handled in the runner).
            #expect(plan.indices == c.indices)
        } else {
            #expect(!plan.warnings.isEmpty, "\(c)")
        }
    }
}
