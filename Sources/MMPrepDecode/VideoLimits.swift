import CFFmpeg

/// Bounds checked while probing and decoding a video (the pipeline's `limits.*` and
/// `video.max_decode_pixels` / `video.max_duration`).
public struct VideoLimits: Sendable {
    public var maxPixels: Int = 8192 * 8192
    public var maxFrames: Int = 1_000_000
    /// Animated images (GIF) read as video: at most this many frames.
    public var maxAnimationFrames: Int = 10_000
    public var maxStreams: Int = 64
    public var maxDurationSeconds: Double = 24 * 3600
    public var maxFileBytes: Int = 16 << 30
    /// Codec names a decoded video stream may have; nil = any FFmpeg decodes.
    public var codecs: [String]? = VideoLimits.defaultCodecs
    /// FFmpeg's largest single allocation (`av_max_alloc`).
    public var maxAllocBytes: Int = 1 << 30
    /// Wall-clock budget per input in seconds; 0 means none.
    public var timeBudgetSeconds: Double = 0
    /// Start of the budget (av_gettime_relative microseconds).
    public var startMicros: Int64 = av_gettime_relative()

    public init() {}

    /// The video codecs mmprep decodes by default (FFmpeg codec names).
    public static let defaultCodecs = [
        "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg1video", "mpeg2video", "mjpeg", "theora", "vc1", "wmv3",
        "wmv1", "wmv2", "msmpeg4v2", "msmpeg4v3", "h263", "h263p", "flv1", "cinepak", "prores", "dnxhd", "ffv1",
        "gif", "png", "bmp", "tiff", "webp",
    ]

    func deadline() -> Int64 {
        timeBudgetSeconds > 0 ? startMicros + Int64(timeBudgetSeconds * 1_000_000) : 0
    }

}
