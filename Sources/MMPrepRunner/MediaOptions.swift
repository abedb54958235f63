import MMPrepPipeline

/// Per-item settings a Qwen message may carry on an image or video part
/// (`fps`, `nframes`, `video_start`, `video_end`, `min_pixels`, `max_pixels`).
struct MediaOptions: Sendable, Equatable {
    var fps: Double?
    var frames: Int?
    var start: Double?
    var end: Double?
    var minPixels: Int?
    var maxPixels: Int?

    static let none = MediaOptions()
}

extension Pipeline {
    /// The pipeline with one item's own settings applied (as qwen-vl-utils applies them).
    func applying(_ o: MediaOptions) -> Pipeline {
        guard o != .none else { return self }
        var p = self
        if let v = o.fps { p.video.fps = v; p.video.frames = nil }
        if let v = o.frames { p.video.frames = v }
        if let v = o.start { p.video.start = v }
        if let v = o.end { p.video.end = v }
        if let v = o.minPixels { p.image.minPixels = v; p.video.minPixels = v }
        if let v = o.maxPixels {
            p.image.maxPixels = v
            if p.video.sizing == .qwenVLUtils { p.video.itemMaxPixels = v } else { p.video.maxPixels = v }
        }
        return p
    }
}
