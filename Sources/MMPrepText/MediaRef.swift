/// An image or video named in the messages: the path as written (not resolved), the per-item
/// options the Qwen formats allow, and the part's original JSON.
public struct MediaRef: Sendable, Equatable {
    public var path: String
    public var options: MediaOptions
    public var json: JSONValue

    public init(path: String, options: MediaOptions = .init(), json: JSONValue) {
        self.path = path
        self.options = options
        self.json = json
    }

    /// A reference built from a path alone (ShareGPT lists, captions): `{"type": KIND, KIND: PATH}`.
    public init(path: String, kind: MediaKind) {
        self.path = path
        self.options = MediaOptions()
        self.json = .object(JSONObject(["type": .string(kind.rawValue), kind.rawValue: .string(path)]))
    }
}

public enum MediaKind: String, Sendable, Equatable {
    case image
    case video
}

/// Per-item options as qwen-vl-utils reads them from a content part. Nil when not given.
public struct MediaOptions: Sendable, Equatable {
    /// `fps`: frames per second to sample a video at.
    public var fps: Double?
    /// `nframes`: number of frames to sample from a video.
    public var nframes: Int?
    /// `video_start` / `video_end`: the time range to read, in seconds.
    public var videoStart: Double?
    public var videoEnd: Double?
    /// `min_pixels` / `max_pixels`: bounds for smart_resize.
    public var minPixels: Int?
    public var maxPixels: Int?
    /// `resized_height` / `resized_width`: an explicit size (rounded to the factor by smart_resize).
    public var resizedHeight: Int?
    public var resizedWidth: Int?

    public init(fps: Double? = nil, nframes: Int? = nil, videoStart: Double? = nil, videoEnd: Double? = nil,
                minPixels: Int? = nil, maxPixels: Int? = nil, resizedHeight: Int? = nil, resizedWidth: Int? = nil) {
        self.fps = fps
        self.nframes = nframes
        self.videoStart = videoStart
        self.videoEnd = videoEnd
        self.minPixels = minPixels
        self.maxPixels = maxPixels
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    public var isEmpty: Bool { self == MediaOptions() }
}
