import CFFmpeg

/// Bounds checked before pixel buffers are allocated.
public struct ImageLimits: Sendable, Equatable {
    /// Largest width*height accepted (Pillow's decompression-bomb error threshold by default).
    public var maxPixels: Int
    /// Largest file accepted, in bytes (still images are read whole).
    public var maxFileBytes: Int
    /// Animated images (GIF): at most this many frames, even when only the first is used.
    public var maxAnimationFrames: Int = 10_000
    /// Streams in a file FFmpeg opens (GIF, BMP, TIFF).
    public var maxStreams: Int = 64
    /// Codec names FFmpeg may decode an image with; nil = any.
    public var codecs: [String]? = VideoLimits.defaultCodecs
    /// FFmpeg's largest single allocation (`av_max_alloc`).
    public var maxAllocBytes: Int = 1 << 30
    /// Wall-clock budget in seconds; 0 means none.
    public var timeBudgetSeconds: Double = 0
    /// Start of the budget (av_gettime_relative microseconds).
    public var startMicros: Int64 = av_gettime_relative()

    public init(maxPixels: Int = 178_956_970, maxFileBytes: Int = 512 << 20) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }

    func deadline() -> Int64 {
        timeBudgetSeconds > 0 ? startMicros + Int64(timeBudgetSeconds * 1_000_000) : 0
    }

    func deadlineExpired() -> Bool {
        timeBudgetSeconds > 0 && av_gettime_relative() > deadline()
    }
}
