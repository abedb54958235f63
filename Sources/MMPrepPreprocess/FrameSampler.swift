/// How frames are chosen from a video.
public enum FrameSamplingRule: String, Sendable, CaseIterable, Codable {
    /// transformers `Qwen2VLVideoProcessor.sample_frames` (fps mode): a multiple of T frames,
    /// `torch.arange(0, total, total / n).int()`.
    case qwen2
    /// transformers `Qwen3VLVideoProcessor.sample_frames`: `round(np.linspace(0, total - 1, n))`.
    case qwen3
    /// qwen-vl-utils `smart_nframes` + `torch.linspace(start, end, n).round()` in float32.
    case smartNFrames = "smart_nframes"
    /// A fixed number of frames, `round(np.linspace(start, end, n))`.
    case uniform
    /// Every frame.
    case all
}

/// The frames a video contributes, with the reference's padding and timestamps.
public struct FramePlan: Sendable, Equatable {
    /// Source frame indices in sampled order (before padding).
    public var indices: [Int]
    /// `indices` with the last one repeated up to a multiple of the temporal patch size.
    public var paddedIndices: [Int]
    /// The fps the samples represent (`n / total * video_fps`), for `second_per_grid_ts`.
    public var sampledFPS: Double
    /// One stamp per temporal group, seconds (Qwen3 `<t seconds>` values).
    public var groupTimestamps: [Double]
    /// Per-sample timestamps in seconds (`index / video_fps`).
    public var timestamps: [Double]
    /// Notes on where the plan departs from a reference that would have failed.
    public var warnings: [String]
}

public struct FrameSamplingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Parameters of a sampling rule.
public struct FrameSampler: Sendable, Equatable {
    public var rule: FrameSamplingRule
    /// Target frames per second (rules qwen2, qwen3, smart_nframes).
    public var fps: Double
    /// Requested number of frames (smart_nframes `nframes`, uniform; overrides fps).
    public var frames: Int?
    public var minFrames: Int
    public var maxFrames: Int
    public var temporalPatchSize: Int
    /// Optional time range in seconds (qwen-vl-utils `video_start` / `video_end`).
    public var start: Double?
    public var end: Double?
    public var torchVectorWidth: Int

    public init(rule: FrameSamplingRule, fps: Double = 2, frames: Int? = nil, minFrames: Int = 4,
                maxFrames: Int = 768, temporalPatchSize: Int = 2, start: Double? = nil, end: Double? = nil,
                torchVectorWidth: Int = ReferenceSequences.defaultTorchVectorWidth) {
        self.rule = rule
        self.fps = fps
        self.frames = frames
        self.minFrames = minFrames
        self.maxFrames = maxFrames
        self.temporalPatchSize = temporalPatchSize
        self.start = start
        self.end = end
        self.torchVectorWidth = torchVectorWidth
    }

    /// qwen-vl-utils `calculate_video_frame_range`: (first, last, count) of the range.
    public func frameRange(total: Int, videoFPS: Double) throws(FrameSamplingError) -> (Int, Int, Int) {
        guard total > 0 else { throw FrameSamplingError(message: "the video has no frames") }
        guard videoFPS > 0 else { throw FrameSamplingError(message: "the video's fps is not positive") }
        if start == nil && end == nil { return (0, total - 1, total) }
        let maxDuration = Double(total) / videoFPS
        var first = 0, last = total - 1
        if let s = start {
            let clamped = max(0.0, min(s, maxDuration))
            first = Int((clamped * videoFPS).rounded(.up))
        }
        if let e = end {
            let clamped = max(0.0, min(e, maxDuration))
            last = min(Int((clamped * videoFPS).rounded(.down)), total - 1)
        }
        guard first < last else {
            throw FrameSamplingError(message: "empty time range: start frame \(first) is not before end frame \(last)")
        }
        return (first, last, last - first + 1)
    }

    /// Plans the frames of a video with `total` frames at `videoFPS`.
    public func plan(total totalFrames: Int, videoFPS: Double) throws(FrameSamplingError) -> FramePlan {
        let (first, last, total) = try frameRange(total: totalFrames, videoFPS: videoFPS)
        let t = temporalPatchSize
        var warnings: [String] = []
        var indices: [Int]
        switch rule {
        case .all:
            indices = Array(first...last)
        case .uniform:
            let n = min(frames ?? total, total)
            indices = ReferenceSequences.numpyLinspace(Double(first), Double(last), n)
                .map { Int($0.rounded(.toNearestOrEven)) }
        case .qwen3:
            var n: Int
            if let requested = frames {
                n = requested  // the reference allows more than `total` (indices then repeat)
            } else {
                n = Int(Double(total) / videoFPS * fps)
                n = min(max(n, minFrames), maxFrames, total)
            }
            indices = ReferenceSequences.numpyLinspace(0, Double(total - 1), n)
                .map { Int($0.rounded(.toNearestOrEven)) + first }
        case .qwen2:
            var n: Int
            if let requested = frames {
                n = Int((Double(requested) / Double(t)).rounded(.toNearestOrEven)) * t
            } else {
                let maxF = Int((Double(min(maxFrames, total)) / Double(t)).rounded(.down)) * t
                let x = min(max(Double(total) / videoFPS * fps, Double(minFrames)), Double(maxF), Double(total))
                n = Int((x / Double(t)).rounded(.down)) * t
            }
            if n < 1 || n > total {
                // The reference raises here (no frames, or more than the video has); mmprep keeps
                // the largest multiple of T the video holds, or every frame of a shorter video.
                let fallback = total >= t ? total / t * t : total
                warnings.append("qwen2 rule gives \(n) frames for a \(total)-frame video; using \(fallback)")
                n = fallback
            }
            indices = ReferenceSequences.torchArangeFloat32(end: Double(total), step: Double(total) / Double(n),
                                                            vectorWidth: torchVectorWidth)
                .map { Int($0) }
            if indices.count > n, let extra = indices.last, extra >= total {
                // torch's arange overshoots by one here and the reference then fails with an
                // IndexError; mmprep drops the out-of-range index.
                warnings.append("qwen2 rule's arange gives \(indices.count) indices for n=\(n); index \(extra) is past the end and dropped")
                indices.removeLast()
            }
            indices = indices.map { $0 + first }
        case .smartNFrames:
            let factor = 2
            var n: Int
            if let requested = frames {
                n = Int((Double(requested) / Double(factor)).rounded(.toNearestOrEven)) * factor
            } else {
                let minF = Int((Double(minFrames) / Double(factor)).rounded(.up)) * factor
                let maxF = Int((Double(min(maxFrames, total)) / Double(factor)).rounded(.down)) * factor
                let x = min(min(max(Double(total) / videoFPS * fps, Double(minF)), Double(maxF)), Double(total))
                n = Int((x / Double(factor)).rounded(.down)) * factor
            }
            if !(factor <= n && n <= total) {
                // qwen-vl-utils raises here; mmprep keeps what the video has.
                let fallback = max(1, min(total, max(n, 1)))
                warnings.append("smart_nframes gives \(n) frames for a \(total)-frame video (valid: \(factor)...\(total)); using \(fallback)")
                n = fallback
            }
            indices = ReferenceSequences.torchLinspaceFloat32(Double(first), Double(last), n)
                .map { Int($0.rounded(.toNearestOrEven)) }
        }
        guard !indices.isEmpty else { throw FrameSamplingError(message: "no frames were sampled") }
        var padded = indices
        while padded.count % t != 0 { padded.append(padded.last!) }
        let timestamps = indices.map { Double($0) / videoFPS }
        let paddedStamps = padded.map { Double($0) / videoFPS }
        let groups = stride(from: 0, to: paddedStamps.count, by: t).map { (paddedStamps[$0] + paddedStamps[$0 + t - 1]) / 2 }
        let sampledFPS = Double(indices.count) / max(Double(total), 1e-6) * videoFPS
        return FramePlan(indices: indices, paddedIndices: padded, sampledFPS: sampledFPS,
                         groupTimestamps: groups, timestamps: timestamps, warnings: warnings)
    }
}
