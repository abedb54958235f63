/// How many placeholder tokens each image and video gets, in the order the media appear in
/// the messages.
public struct VisionTokens: Sendable, Equatable {
    public var images: [ImageTokens]
    public var videos: [VideoTokens]

    public init(images: [ImageTokens] = [], videos: [VideoTokens] = []) {
        self.images = images
        self.videos = videos
    }
}

/// One image: `grid_t * grid_h * grid_w / merge_size^2` tokens.
public struct ImageTokens: Sendable, Equatable {
    public var count: Int

    public init(count: Int) {
        self.count = count
    }

    public init(gridTHW: [Int], mergeSize: Int = 2) {
        self.count = gridTHW.reduce(1, *) / (mergeSize * mergeSize)
    }
}

/// One video: `grid_h * grid_w / merge_size^2` tokens per temporal group, and per group the
/// timestamp in seconds (Qwen3-VL / Qwen3.5 write it as `<%.1f seconds>`; Qwen2/2.5-VL use only
/// the number of groups).
public struct VideoTokens: Sendable, Equatable {
    public var tokensPerGroup: Int
    public var timestamps: [Double]

    public init(tokensPerGroup: Int, timestamps: [Double]) {
        self.tokensPerGroup = tokensPerGroup
        self.timestamps = timestamps
    }

    /// For Qwen2/2.5-VL, which write no timestamps: `groups` groups (timestamps all zero).
    public init(tokensPerGroup: Int, groups: Int) {
        self.tokensPerGroup = tokensPerGroup
        self.timestamps = Array(repeating: 0, count: max(groups, 0))
    }

    /// The per-group timestamps exactly as `Qwen3VLProcessor._calculate_timestamps` (transformers
    /// 5.24) computes them from the sampled frame indices and the video's fps (`metadata.fps`,
    /// 24 when unknown): the indices are padded to a multiple of the temporal patch size by
    /// repeating the last one, each becomes `index / fps`, and each group gets
    /// `(first + last) / 2` of its frames' times.
    public static func qwen3Timestamps(frameIndices: [Int], fps: Double, temporalPatchSize: Int = 2) -> [Double] {
        guard let lastIndex = frameIndices.last, temporalPatchSize > 0 else { return [] }
        var indices = frameIndices
        if indices.count % temporalPatchSize != 0 {
            indices += Array(repeating: lastIndex, count: temporalPatchSize - indices.count % temporalPatchSize)
        }
        let times = indices.map { Double($0) / fps }
        return stride(from: 0, to: times.count, by: temporalPatchSize).map { (times[$0] + times[$0 + temporalPatchSize - 1]) / 2 }
    }

    public var groups: Int { timestamps.count }
    public var totalTokens: Int { tokensPerGroup * groups }
}
