import MMPrepDecode
import MMPrepPreprocess

/// What preprocessing one input produced: the tensor the model takes and how it was made.
public struct MediaResult: Sendable {
    public enum Kind: String, Sendable { case image, video }

    public var kind: Kind
    public var patches: PatchTensor
    public var resizedHeight: Int
    public var resizedWidth: Int
    /// Number of vision tokens: grid t*h*w / merge^2.
    public var tokens: Int
    /// Videos: the frame plan, and what the scan found.
    public var plan: FramePlan?
    public var video: VideoInfo?
    /// Images: what the decoder found.
    public var image: ImageFacts?
    public var warnings: [String]

    /// Qwen2.5-VL's `second_per_grid_ts`: T / sampled fps.
    public func secondPerGrid(temporalPatchSize: Int) -> Double? {
        guard let plan, plan.sampledFPS > 0 else { return nil }
        return Double(temporalPatchSize) / plan.sampledFPS
    }
}

/// The facts about a decoded still image that reports show.
public struct ImageFacts: Sendable {
    public var format: String
    public var width: Int
    public var height: Int
    public var storedWidth: Int
    public var storedHeight: Int
    public var orientation: Int
    public var orientationApplied: Bool
    public var hadAlpha: Bool
}
