#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
@testable import MMPrepDataset
import MMPrepDecode
import MMPrepPipeline
@testable import MMPrepRunner
import MMPrepText

/// What the fuzzers do with one input. Every function must return for any bytes; a crash, a
/// sanitizer report or a failed invariant (`precondition`) is a finding.
public enum FuzzEntries {
    /// A scratch file per process for the entry points that take a path.
    static func scratch(_ suffix: String, _ bytes: [UInt8]) -> String {
        let path = "/dev/shm/mmprep-fuzz-\(getpid())\(suffix)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0, "cannot write \(path)")
            done += n
        }
        close(fd)
        return path
    }

    // MARK: pipeline YAML

    /// The pipeline YAML parser: parse, validate, and (when valid) render and parse back to
    /// the same pipeline.
    public static func pipeline(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let p = try? PipelineLoader.parse(yaml: text, source: "fuzz.yaml") else { return }
        guard (try? PipelineLoader.validate(p, source: "fuzz.yaml")) != nil else { return }
        let rendered = PipelineLoader.render(p)
        let back: Pipeline
        do {
            back = try PipelineLoader.parse(yaml: rendered, source: "rendered.yaml")
        } catch {
            preconditionFailure("a valid pipeline renders to YAML that does not parse: \(error)\n\(rendered)")
        }
        var expected = p
        expected.name = back.name
        precondition(back == expected, "render/parse round trip changed the pipeline:\n\(rendered)")
        _ = PipelineLoader.renderJSON(p)
    }

    // MARK: manifests and sidecars

    /// The manifest and sidecar parsers: the strict JSON reader (and its writer, which must read
    /// back to the same value), the messages/ShareGPT/caption parser, the chat templates with
    /// placeholder expansion, manifest line splitting, and a sidecar as SampleBuilder reads it.
    public static func text(_ bytes: [UInt8]) {
        if let value = try? JSONValue.parse(bytes) {
            let written = value.serialized()
            guard let again = try? JSONValue.parse(written) else {
                preconditionFailure("serialized JSON does not parse back: \(written)")
            }
            precondition(again == value, "JSON write/read round trip changed the value: \(written)")
            if let conversation = try? MessagesParser.parse(record: value) {
                render(conversation)
            }
        }
        // A manifest: every line becomes a source or a problem.
        let manifest = scratch(".jsonl", bytes)
        defer { unlink(manifest) }
        var sources: [SampleSource] = []
        var problems: [(String, String, String, String)] = []
        try? InputWalker().readManifest(manifest, sources: &sources, problems: &problems)
        for source in sources.prefix(8) {
            if case .manifestRecord(_, _, let line, _) = source.origin {
                _ = try? SampleText.manifest(json: line) { $0 }
            }
        }
        // A messages sidecar beside a media file.
        let sidecar = scratch(".json", bytes)
        defer { unlink(sidecar) }
        let builder = SampleBuilder(pipeline: Presets.preset(.qwen25VL), policy: PathPolicy(),
                                    logger: .init(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        let source = SampleSource(key: "k", origin: .media(path: "x.png", caption: nil, messages: sidecar))
        if let json = try? builder.readSidecar(sidecar, source: source) {
            _ = try? SampleText.sidecar(json: json, media: "x.png", kind: .image) { $0 }
        }
    }

    /// Renders a conversation with every family's template, with made-up token counts.
    static func render(_ conversation: Conversation) {
        var vision = VisionTokens()
        for part in conversation.mediaParts {
            switch part {
            case .image: vision.images.append(ImageTokens(count: 4))
            case .video: vision.videos.append(VideoTokens(tokensPerGroup: 2, timestamps: [0.5, 1.5]))
            case .text: break
            }
        }
        for family in MMPrepText.ModelFamily.allCases {
            for generation in [false, true] {
                _ = try? TextRenderer.render(conversation, mode: .chat, family: family, vision: vision,
                                             options: RenderOptions(addGenerationPrompt: generation,
                                                                    addVisionID: generation))
            }
            _ = try? TextRenderer.render(conversation, mode: .raw, family: family, vision: vision)
        }
    }

    // MARK: media

    /// The media entry point: sniff, then the image decoders, or FFmpeg's probe/scan and the
    /// frame reader for the first, middle and last frame, under small limits and a time budget.
    public static func media(_ bytes: [UInt8]) {
        FFmpegLogging.setLevel(.quiet)
        let path = scratch(".media", bytes)
        defer { unlink(path) }
        let pipeline = fuzzPipeline
        let runner = SampleRunner(pipeline: pipeline,
                                  logger: .init(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try? runner.preprocess(path: path)
        // Both ways for GIFs and whatever FFmpeg reads: as an image and as a video.
        _ = try? runner.imageDecoder.decode(path: path)
        if let info = try? VideoProbe.scan(path: path, limits: runner.videoLimits) {
            let reader = VideoFrameReader(path: path, info: info, threads: 1, limits: runner.videoLimits)
            let picks = Array(Set([0, info.frameCount / 2, info.frameCount - 1]))
            try? reader.decode(indices: picks) { _, _ in }
        }
    }

    /// Small limits, so that the fuzzer explores refusals instead of running out of memory.
    static let fuzzPipeline: Pipeline = {
        var p = Presets.preset(.qwen25VL)
        p.image.maxDecodePixels = 4096 * 4096
        p.image.minPixels = 56 * 56
        p.image.maxPixels = 112 * 112
        p.video.maxDecodePixels = 2048 * 2048
        p.video.maxFrames = 8
        p.video.minPixels = 56 * 56
        p.video.maxPixels = 112 * 112
        p.video.threads = 1
        p.limits.timeout = 5
        p.limits.maxFrames = 20_000
        return p
    }()
}
