import Logging
import MMPrepCore
import MMPrepDecode
import MMPrepPipeline
import MMPrepPreprocess

/// Composes one sample: decode -> sample -> resize -> normalise -> patchify, as the pipeline says.
public struct SampleRunner: Sendable {
    public let pipeline: Pipeline
    public let logger: Logger

    public init(pipeline: Pipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
    }

    /// Whether the file is handled as a still image (from its bytes, not its name).
    public func isImage(path: String) throws -> Bool {
        let format = try MediaFormat.sniffFile(path)
        if format == .gif { return pipeline.image.gif == .image }
        return format.isStillImage
    }

    public func preprocess(path: String) throws -> MediaResult {
        try isImage(path: path) ? preprocessImage(path: path) : preprocessVideo(path: path)
    }

    /// An image decoder whose time budget starts now.
    public var imageDecoder: ImageDecoder {
        ImageDecoder(limits: imageLimits, applyExifOrientation: pipeline.image.exifOrientation)
    }

    /// The pipeline's image limits, with the time budget starting now.
    public var imageLimits: ImageLimits {
        let l = pipeline.limits
        var limits = ImageLimits(maxPixels: pipeline.image.maxDecodePixels, maxFileBytes: min(l.maxFileBytes, 512 << 20))
        limits.maxAnimationFrames = l.maxAnimationFrames
        limits.maxStreams = l.maxStreams
        limits.codecs = l.codecs
        limits.maxAllocBytes = l.maxAllocBytes
        limits.timeBudgetSeconds = l.timeout
        return limits
    }

    /// The pipeline's video limits, with the time budget starting now.
    public var videoLimits: VideoLimits {
        let l = pipeline.limits
        var limits = VideoLimits()
        limits.maxPixels = pipeline.video.maxDecodePixels
        limits.maxDurationSeconds = pipeline.video.maxDuration
        limits.maxFileBytes = l.maxFileBytes
        limits.maxStreams = l.maxStreams
        limits.maxFrames = l.maxFrames
        limits.maxAnimationFrames = l.maxAnimationFrames
        limits.codecs = l.codecs
        limits.maxAllocBytes = l.maxAllocBytes
        limits.timeBudgetSeconds = l.timeout
        return limits
    }

    /// Normalises with the arithmetic of the reference the resize mode reproduces.
    func patchifier(_ mode: ResampleMode) -> Patchifier {
        Patchifier(layout: pipeline.layout, normalization: pipeline.normalization, arithmetic: mode.arithmetic,
                   dtype: pipeline.output.dtype)
    }

    // MARK: images

    public func imageSize(height: Int, width: Int, file: String) throws -> (height: Int, width: Int) {
        do {
            return try SmartResize.transformers(height: height, width: width, factor: pipeline.layout.factor,
                                                minPixels: pipeline.image.minPixels, maxPixels: pipeline.image.maxPixels)
        } catch {
            throw RunnerError(file: file, stage: "resize", message: error.description)
        }
    }

    public func preprocessImage(path: String) throws -> MediaResult {
        let decoded = try imageDecoder.decode(path: path)
        let (rh, rw) = try imageSize(height: decoded.image.height, width: decoded.image.width, file: path)
        let resized = pipeline.image.resample.resize(decoded.image, width: rw, height: rh)
        let frames = Array(repeating: resized, count: pipeline.layout.temporalPatchSize)
        let patches = patchifier(pipeline.image.resample).patchify(frames)
        let m = pipeline.layout.mergeSize
        logger.debug("image preprocessed", metadata: ["file": "\(path)", "size": "\(rw)x\(rh)"])
        return MediaResult(kind: .image, patches: patches, resizedHeight: rh, resizedWidth: rw,
                           tokens: patches.rows / (m * m), plan: nil, video: nil,
                           image: ImageFacts(decoded), warnings: [])
    }

    // MARK: videos

    public func probeVideo(path: String, limits: VideoLimits? = nil)
        throws -> (VideoInfo, FramePlan, (height: Int, width: Int), [String]) {
        let info = try VideoProbe.scan(path: path, limits: limits ?? videoLimits)
        let plan: FramePlan
        do {
            plan = try pipeline.frameSampler.plan(total: info.frameCount, videoFPS: info.fps)
        } catch {
            throw RunnerError(file: path, stage: "sample", message: error.description)
        }
        var warnings = plan.warnings
        let size = try videoSize(frames: plan.indices.count, height: info.height, width: info.width,
                                 file: path, warnings: &warnings)
        return (info, plan, size, warnings)
    }

    /// The resized frame size for `frames` sampled frames of `height` x `width`.
    public func videoSize(frames: Int, height: Int, width: Int, file: String,
                          warnings: inout [String]) throws -> (height: Int, width: Int) {
        let size = try videoSizeUnchecked(frames: frames, height: height, width: width, file: file, warnings: &warnings)
        // qwen-vl-utils' smart_resize floors without a lower bound when it shrinks: a thin frame
        // (aspect ratio over ~130 with many frames) gets a side of 0, and the reference's resize
        // then fails too. Found by fuzz-media.
        guard size.height > 0, size.width > 0 else {
            throw RunnerError(file: file, stage: "resize",
                              message: "\(width)x\(height) frames resize to \(size.width)x\(size.height): a side below "
                                       + "one patch (the reference fails here too)")
        }
        return size
    }

    func videoSizeUnchecked(frames: Int, height: Int, width: Int, file: String,
                            warnings: inout [String]) throws -> (height: Int, width: Int) {
        let v = pipeline.video
        let factor = pipeline.layout.factor
        do {
            switch v.sizing {
            case .qwenVLUtils:
                let bounds = SmartResize.qwenVLUtilsVideoBounds(frames: frames, minPixels: Double(v.minPixels),
                                                                frameMaxPixels: Double(v.maxPixels),
                                                                totalPixels: v.totalPixels,
                                                                requestedMax: v.itemMaxPixels.map(Double.init))
                return try SmartResize.qwenVLUtils(height: height, width: width, factor: factor,
                                                   minPixels: bounds.minPixels, maxPixels: bounds.maxPixels)
            case .qwen3:
                let t = pipeline.layout.temporalPatchSize
                var n = frames
                if n < t {
                    warnings.append("\(n) sampled frame(s): sized as \(t) (the reference raises for fewer than \(t))")
                    n = t
                }
                return try SmartResize.qwen3Video(frames: n, height: height, width: width, temporalFactor: t,
                                                  factor: factor, minPixels: v.minPixels, maxPixels: v.maxPixels)
            case .perFrame:
                return try SmartResize.transformers(height: height, width: width, factor: factor,
                                                    minPixels: v.minPixels, maxPixels: v.maxPixels)
            }
        } catch {
            throw RunnerError(file: file, stage: "resize", message: error.description)
        }
    }

    public func preprocessVideo(path: String) throws -> MediaResult {
        // One time budget for the scan and the decode.
        let limits = videoLimits
        let (info, plan, size, warnings) = try probeVideo(path: path, limits: limits)
        var resized: [Int: RGBImage] = [:]
        let reader = VideoFrameReader(path: path, info: info, threads: pipeline.video.threads, limits: limits)
        try reader.decode(indices: plan.indices) { index, frame in
            resized[index] = pipeline.video.resample.resize(frame, width: size.width, height: size.height)
        }
        let frames = plan.paddedIndices.map { resized[$0]! }
        let patches = patchifier(pipeline.video.resample).patchify(frames)
        let m = pipeline.layout.mergeSize
        for w in warnings { logger.warning("\(w)", metadata: ["file": "\(path)"]) }
        return MediaResult(kind: .video, patches: patches, resizedHeight: size.height, resizedWidth: size.width,
                           tokens: patches.rows / (m * m), plan: plan, video: info, image: nil, warnings: warnings)
    }

    /// Decodes frames at native size (no resize), for `mmprep decode` and decode-only timing,
    /// handing each to `body` in index order (nothing is kept here). `indices` nil means every
    /// frame. Returns the video's facts and the distinct indices decoded.
    public func decodeFrames(path: String, indices: [Int]?,
                             _ body: (Int, RGBImage) throws -> Void) throws -> (VideoInfo, [Int]) {
        let limits = videoLimits
        let info = try VideoProbe.scan(path: path, limits: limits)
        let wanted = indices ?? Array(0..<info.frameCount)
        let reader = VideoFrameReader(path: path, info: info, threads: pipeline.video.threads, limits: limits)
        try reader.decode(indices: wanted, body)
        return (info, Array(Set(wanted)).sorted())
    }

    /// Decodes a still image upright at native size (no resize), for `mmprep decode`.
    public func decodeImage(path: String) throws -> RGBImage {
        try imageDecoder.decode(path: path).image
    }
}

extension ImageFacts {
    init(_ d: DecodedImage) {
        self.init(format: d.format.rawValue, width: d.image.width, height: d.image.height,
                  storedWidth: d.storedWidth, storedHeight: d.storedHeight, orientation: d.orientation.rawValue,
                  orientationApplied: d.orientationApplied, hadAlpha: d.hadAlpha)
    }
}
