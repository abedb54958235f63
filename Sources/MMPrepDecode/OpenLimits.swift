/// What FormatContext checks while opening an input, from the video or image limits.
struct OpenLimits: Sendable {
    var maxFileBytes: Int
    var maxStreams: Int
    /// Largest declared width*height; also the decoders' `max_pixels`.
    var maxPixels: Int
    var maxDurationSeconds: Double
    /// Codec names (`avcodec_get_name`) a decoded stream may have; nil = any.
    var codecs: [String]?
    /// FFmpeg's `av_max_alloc`: the largest single allocation.
    var maxAllocBytes: Int
    /// av_gettime_relative() microseconds; 0 = no deadline.
    var deadlineMicros: Int64
    /// FFmpeg's `probesize` and `analyzeduration` caps.
    var probeBytes: Int = 5 << 20
    var analyzeMicros: Int = 10_000_000
}

extension VideoLimits {
    var open: OpenLimits {
        OpenLimits(maxFileBytes: maxFileBytes, maxStreams: maxStreams, maxPixels: maxPixels,
                   maxDurationSeconds: maxDurationSeconds, codecs: codecs, maxAllocBytes: maxAllocBytes,
                   deadlineMicros: deadline())
    }
}

extension ImageLimits {
    var open: OpenLimits {
        OpenLimits(maxFileBytes: maxFileBytes, maxStreams: maxStreams, maxPixels: maxPixels,
                   maxDurationSeconds: .infinity, codecs: codecs,
                   maxAllocBytes: maxAllocBytes, deadlineMicros: deadline())
    }
}
