/// What one input may declare and cost before it is refused (`limits.*`). Together with
/// `image.max_decode_pixels`, `video.max_decode_pixels` and `video.max_duration` these are
/// checked on what a capped probe of the file declares, before anything is decoded.
public struct LimitsSettings: Sendable, Equatable {
    /// Largest input file, bytes (still images are read whole, and at most 512 MiB).
    public var maxFileBytes: Int
    /// Most streams in a container.
    public var maxStreams: Int
    /// Most frames a video declares or has.
    public var maxFrames: Int
    /// Most frames an animated image (GIF) has, also when only its first frame is used.
    public var maxAnimationFrames: Int
    /// Codec names (FFmpeg's) a decoded video stream, GIF, BMP or TIFF may have.
    public var codecs: [String]
    /// Wall-clock seconds one input may take, from opening to its last frame.
    public var timeout: Double
    /// FFmpeg's largest single allocation (`av_max_alloc`), bytes.
    public var maxAllocBytes: Int
    /// Largest caption (`.txt`) or messages (`.json`) sidecar, bytes.
    public var maxSidecarBytes: Int

    public static let defaultCodecs = [
        "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg1video", "mpeg2video", "mjpeg", "theora", "vc1", "wmv3",
        "wmv1", "wmv2", "msmpeg4v2", "msmpeg4v3", "h263", "h263p", "flv1", "cinepak", "prores", "dnxhd", "ffv1",
        "gif", "png", "bmp", "tiff", "webp",
    ]

    public init(maxFileBytes: Int = 16 << 30, maxStreams: Int = 64, maxFrames: Int = 1_000_000,
                maxAnimationFrames: Int = 10_000, codecs: [String] = LimitsSettings.defaultCodecs,
                timeout: Double = 300, maxAllocBytes: Int = 1 << 30, maxSidecarBytes: Int = 1 << 20) {
        self.maxFileBytes = maxFileBytes
        self.maxStreams = maxStreams
        self.maxFrames = maxFrames
        self.maxAnimationFrames = maxAnimationFrames
        self.codecs = codecs
        self.timeout = timeout
        self.maxAllocBytes = maxAllocBytes
        self.maxSidecarBytes = maxSidecarBytes
    }
}
