import Foundation
import MMPrepPreprocess

/// The model family a pipeline reproduces.
public enum ModelFamily: String, Sendable, CaseIterable {
    case qwen2VL = "qwen2-vl"
    case qwen25VL = "qwen2.5-vl"
    case qwen3VL = "qwen3-vl"
    case qwen35 = "qwen3.5"

    public var isQwen3: Bool { self == .qwen3VL || self == .qwen35 }
}

/// How video frames are sized.
public enum VideoSizing: String, Sendable, CaseIterable {
    /// qwen-vl-utils `fetch_video`: per-frame bounds from the frame-count budget, its smart_resize.
    case qwenVLUtils = "qwen_vl_utils"
    /// transformers Qwen3-VL video processor: whole-clip bounds with the temporal factor.
    case qwen3 = "qwen3"
    /// transformers Qwen2-VL video processor: every frame with smart_resize and per-frame bounds.
    case perFrame = "per_frame"
}

/// Still-image settings.
public struct ImageSettings: Sendable, Equatable {
    public var minPixels: Int
    public var maxPixels: Int
    public var patchSize: Int
    public var mergeSize: Int
    public var temporalPatchSize: Int
    public var mean: [Double]
    public var std: [Double]
    public var resample: ResampleMode
    /// Apply the EXIF orientation (transformers' `load_image` does).
    public var exifOrientation: Bool
    /// Largest decoded width*height accepted.
    public var maxDecodePixels: Int
    /// Animated GIFs: the first frame as an image, or all frames as a video.
    public var gif: GIFMode

    public enum GIFMode: String, Sendable, CaseIterable { case image, video }
}

/// Video settings.
public struct VideoSettings: Sendable, Equatable {
    public var sampling: FrameSamplingRule
    public var fps: Double
    /// A fixed frame count (overrides fps for the rules that take one).
    public var frames: Int?
    public var minFrames: Int
    public var maxFrames: Int
    /// Time range in seconds.
    public var start: Double?
    public var end: Double?
    public var sizing: VideoSizing
    /// Per-frame minimum (qwen_vl_utils, per_frame) or whole-clip minimum (qwen3).
    public var minPixels: Int
    /// Per-frame cap (qwen_vl_utils, per_frame) or whole-clip maximum (qwen3).
    public var maxPixels: Int
    /// qwen_vl_utils' total pixel budget shared by the frames.
    public var totalPixels: Double
    public var resample: ResampleMode
    /// Decoder threads (0: FFmpeg chooses).
    public var threads: Int
    /// Largest frame width*height accepted.
    public var maxDecodePixels: Int
    /// Longest video accepted, seconds.
    public var maxDuration: Double
    /// A message part's own `max_pixels` (not a pipeline key): qwen-vl-utils caps its computed
    /// per-frame budget with it.
    public var itemMaxPixels: Int? = nil
}

/// Output settings.
public struct OutputSettings: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case safetensors, webdataset }

    public var dtype: TensorDType
    public var format: Format
    /// Shard limits (nil: no limit on that measure): patch rows, samples, tensor bytes.
    public var maxRows: Int?
    public var maxSamples: Int?
    public var maxBytes: Int?
    /// `mmprep watch`: seconds after which an open shard is committed even if not full.
    public var maxLatency: Double

    public init(dtype: TensorDType = .float32, format: Format = .safetensors, maxRows: Int? = 262_144,
                maxSamples: Int? = 1024, maxBytes: Int? = 1 << 30, maxLatency: Double = 60) {
        self.dtype = dtype
        self.format = format
        self.maxRows = maxRows
        self.maxSamples = maxSamples
        self.maxBytes = maxBytes
        self.maxLatency = maxLatency
    }
}

/// Watch-folder settings (`mmprep watch`).
public struct WatchSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// inotify where it works, polling on network filesystems or when watches run out.
        case auto
        case inotify
        case poll
    }

    /// Seconds a file must keep its size, mtime and inode before it counts.
    public var settle: Double
    /// Seconds between scans (the fallback timer, and the polling period).
    public var pollInterval: Double
    public var mode: Mode
    /// Bytes that must stay free on the output filesystem; intake pauses below.
    public var diskReserve: Int
    /// Move processed inputs to done/ instead of removing them.
    public var keepInputs: Bool
    /// Seconds a media file waits for its same-stem .txt/.json sidecar before going without.
    public var sidecarWait: Double
    /// Seconds one input may take before the watchdog stops vouching for the service.
    public var inputTimeout: Double
    /// Seconds a manifest waits for the media it names, and a sidecar for its media file,
    /// before going ahead without (manifest) or failing (sidecar).
    public var pairTimeout: Double
    /// Deaths of the process while decoding one input after which the input goes to failed/.
    public var maxCrashes: Int
    /// Tries of an input whose reading fails with an I/O error before it goes to failed/.
    public var maxAttempts: Int
    /// Longest wait between retries after an I/O error (the wait doubles from 1 s up to this).
    public var retryMaxDelay: Double

    public init(settle: Double = 5, pollInterval: Double = 2, mode: Mode = .auto, diskReserve: Int = 1 << 30,
                keepInputs: Bool = false, sidecarWait: Double = 30, inputTimeout: Double = 600,
                pairTimeout: Double = 3600, maxCrashes: Int = 2, maxAttempts: Int = 5, retryMaxDelay: Double = 300) {
        self.inputTimeout = inputTimeout
        self.pairTimeout = pairTimeout
        self.maxCrashes = maxCrashes
        self.maxAttempts = maxAttempts
        self.retryMaxDelay = retryMaxDelay
        self.settle = settle
        self.pollInterval = pollInterval
        self.mode = mode
        self.diskReserve = diskReserve
        self.keepInputs = keepInputs
        self.sidecarWait = sidecarWait
    }
}

/// Text settings.
public struct TextSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// The family's chat template with every vision placeholder expanded.
        case chat
        /// Plain captions unrendered.
        case raw
    }

    public var mode: Mode
    public var addGenerationPrompt: Bool
    public var addVisionID: Bool

    public init(mode: Mode = .chat, addGenerationPrompt: Bool = false, addVisionID: Bool = false) {
        self.mode = mode
        self.addGenerationPrompt = addGenerationPrompt
        self.addVisionID = addVisionID
    }
}

/// Where decoding runs, and its limits there.
public struct DecodeSettings: Sendable, Equatable {
    public enum Isolation: String, Sendable, CaseIterable {
        /// In the mmprep process itself (fastest).
        case inProcess = "in_process"
        /// In a child process per worker: a decoder crash costs one input, not the run.
        case process
    }

    public var isolation: Isolation
    /// Address-space limit of each decoding child (RLIMIT_AS), bytes.
    public var memoryLimit: Int
    /// CPU seconds one input may use in a decoding child (RLIMIT_CPU), and the wall-clock
    /// seconds after which the child is killed.
    public var cpuLimit: Double

    public init(isolation: Isolation = .inProcess, memoryLimit: Int = 16 << 30, cpuLimit: Double = 600) {
        self.isolation = isolation
        self.memoryLimit = memoryLimit
        self.cpuLimit = cpuLimit
    }
}

/// A complete, validated pipeline.
public struct Pipeline: Sendable, Equatable {
    public var name: String
    public var family: ModelFamily
    public var image: ImageSettings
    public var video: VideoSettings
    public var output: OutputSettings
    public var text: TextSettings
    public var watch: WatchSettings = WatchSettings()
    public var decode: DecodeSettings = DecodeSettings()
    public var limits: LimitsSettings = LimitsSettings()

    public var layout: PatchLayout {
        PatchLayout(patchSize: image.patchSize, mergeSize: image.mergeSize, temporalPatchSize: image.temporalPatchSize)
    }

    public var normalization: Normalization { Normalization(mean: image.mean, std: image.std) }

    /// The same pipeline with decoder threads chosen so that `jobs` workers do not
    /// oversubscribe the cores (unless the pipeline fixed a thread count).
    public func withDecoderThreads(jobs: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Pipeline {
        guard video.threads == 0 else { return self }
        var p = self
        p.video.threads = max(1, cores / max(1, jobs))
        return p
    }

    public var frameSampler: FrameSampler {
        FrameSampler(rule: video.sampling, fps: video.fps, frames: video.frames, minFrames: video.minFrames,
                     maxFrames: video.maxFrames, temporalPatchSize: image.temporalPatchSize,
                     start: video.start, end: video.end)
    }
}
