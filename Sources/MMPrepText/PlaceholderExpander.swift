/// The processor's placeholder expansion (transformers 5.24 `ProcessorMixin.get_text_with_replacements`
/// with the Qwen processors' `replace_image_token` / `replace_video_token`).
///
/// The text is scanned left to right for `<|image_pad|>` and `<|video_pad|>`; the i-th image
/// placeholder becomes the i-th image's replacement and likewise for videos (replacements are not
/// scanned again):
///
/// - image: `<|image_pad|>` × `grid_t*grid_h*grid_w // merge_size**2`;
/// - video, Qwen2-VL / Qwen2.5-VL: `<|video_pad|>` × `grid_t*grid_h*grid_w // merge_size**2`;
/// - video, Qwen3-VL / Qwen3.5 (`Qwen3VLProcessor`): per temporal group
///   `<{t:.1f} seconds><|vision_start|>` + `<|video_pad|>` × `grid_h*grid_w // merge_size**2` +
///   `<|vision_end|>`. Only the pad is replaced, so the template's own `<|vision_start|>` and
///   `<|vision_end|>` stay around the whole sequence.
///
/// The number of placeholders of each kind must equal the number of images / videos given (the
/// processor raises otherwise), text that itself contains `<|image_pad|>` included.
public enum PlaceholderExpander {
    static let imagePad = Array("<|image_pad|>".utf8)
    static let videoPad = Array("<|video_pad|>".utf8)
    static let visionStart = Array("<|vision_start|>".utf8)
    static let visionEnd = Array("<|vision_end|>".utf8)
    /// Guard against absurd token counts (a single 16 MiB image is 16384 tokens).
    public static let maxTotalTokens = 50_000_000

    public static func expand(_ text: String, family: ModelFamily, vision: VisionTokens) throws(RenderError) -> String {
        let bytes = Array(text.utf8)
        let imageCount = count(imagePad, in: bytes)
        let videoCount = count(videoPad, in: bytes)
        if imageCount != vision.images.count {
            throw RenderError("the text has \(imageCount) <|image_pad|> placeholder\(imageCount == 1 ? "" : "s") but \(vision.images.count) image\(vision.images.count == 1 ? " was" : "s were") given")
        }
        if videoCount != vision.videos.count {
            throw RenderError("the text has \(videoCount) <|video_pad|> placeholder\(videoCount == 1 ? "" : "s") but \(vision.videos.count) video\(vision.videos.count == 1 ? " was" : "s were") given")
        }
        try validate(vision, family: family)

        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var nextImage = 0
        var nextVideo = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<"), bytes[i...].starts(with: imagePad) {
                repeatToken(imagePad, vision.images[nextImage].count, into: &out)
                nextImage += 1
                i += imagePad.count
            } else if bytes[i] == UInt8(ascii: "<"), bytes[i...].starts(with: videoPad) {
                appendVideo(vision.videos[nextVideo], family: family, into: &out)
                nextVideo += 1
                i += videoPad.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func validate(_ vision: VisionTokens, family: ModelFamily) throws(RenderError) {
        var total = 0
        for (i, image) in vision.images.enumerated() {
            guard image.count > 0 else { throw RenderError("image \(i): token count must be positive, got \(image.count)") }
            total += min(image.count, maxTotalTokens)
        }
        for (i, video) in vision.videos.enumerated() {
            guard video.tokensPerGroup > 0 else {
                throw RenderError("video \(i): tokens per group must be positive, got \(video.tokensPerGroup)")
            }
            guard video.groups > 0 else { throw RenderError("video \(i): no temporal groups") }
            if family.timestampsVideoGroups, let bad = video.timestamps.first(where: { !$0.isFinite }) {
                throw RenderError("video \(i): timestamp \(bad) is not a finite number")
            }
            total += min(video.tokensPerGroup, maxTotalTokens) * min(video.groups, maxTotalTokens)
        }
        if total > maxTotalTokens {
            throw RenderError("\(total) vision tokens in one sample, more than the limit of \(maxTotalTokens)")
        }
    }

    static func appendVideo(_ video: VideoTokens, family: ModelFamily, into out: inout [UInt8]) {
        guard family.timestampsVideoGroups else {
            repeatToken(videoPad, video.totalTokens, into: &out)
            return
        }
        for t in video.timestamps {
            out.append(contentsOf: "<\(PythonText.format1(t)) seconds>".utf8)
            out.append(contentsOf: visionStart)
            repeatToken(videoPad, video.tokensPerGroup, into: &out)
            out.append(contentsOf: visionEnd)
        }
    }

    static func repeatToken(_ token: [UInt8], _ n: Int, into out: inout [UInt8]) {
        for _ in 0..<n { out.append(contentsOf: token) }
    }

    static func count(_ token: [UInt8], in bytes: [UInt8]) -> Int {
        var n = 0
        var i = 0
        while let j = PythonText.find(token, in: bytes, from: i) {
            n += 1
            i = j + token.count
        }
        return n
    }
}
