import Foundation
import Logging
import MMPrepDataset
import MMPrepDecode
import MMPrepPipeline
import MMPrepPreprocess
import MMPrepShards
import MMPrepText

/// Builds one shard sample from one source: reads its text, resolves and preprocesses every
/// image and video it names, renders the text. Never throws: a failure names its stage.
public struct SampleBuilder: Sendable {
    let pipeline: Pipeline
    let policy: PathPolicy
    let logger: Logger
    /// Largest sidecar accepted.
    var maxSidecarBytes: Int { pipeline.limits.maxSidecarBytes }

    public init(pipeline: Pipeline, policy: PathPolicy, logger: Logger) {
        self.pipeline = pipeline
        self.policy = policy
        self.logger = logger
    }

    public func build(_ source: SampleSource) -> Result<ShardSample, SampleFailure> {
        do {
            return .success(try buildOrThrow(source))
        } catch let f as SampleFailure {
            return .failure(f)
        } catch {
            return .failure(SampleFailure(key: source.key, path: source.displayPath, stage: .write, error: "\(error)"))
        }
    }

    func fail(_ source: SampleSource, _ stage: SampleFailure.Stage, _ error: Any) -> SampleFailure {
        SampleFailure(key: source.key, path: source.displayPath, stage: stage, error: "\(error)",
                      reason: Self.reason(of: error, stage: stage))
    }

    /// The machine-readable cause carried by the error types that have one.
    static func reason(of error: Any, stage: SampleFailure.Stage) -> String {
        switch error {
        case let e as DecodeError: e.reason.rawValue
        case let e as InputError: e.reason
        case is JSONParseError: "json"
        case is MessagesError: "messages"
        case is RenderError: "template"
        default: stage.rawValue
        }
    }

    /// A sidecar: regular file, within `limits.max_sidecar_bytes`, valid UTF-8.
    func readSidecar(_ path: String, source: SampleSource) throws -> String {
        do {
            return try SidecarFile.read(path, maxBytes: maxSidecarBytes)
        } catch {
            throw fail(source, .input, error)
        }
    }

    func buildOrThrow(_ source: SampleSource) throws -> ShardSample {
        // 1. The conversation and the media it names, in order.
        let sample: SampleText
        var files: [String] = []
        switch source.origin {
        case .media(let path, let captionPath, let messagesPath):
            files.append(path)
            let kind: MMPrepText.MediaKind
            do {
                kind = try SampleRunner(pipeline: pipeline, logger: logger).isImage(path: path) ? .image : .video
            } catch {
                throw fail(source, .decode, error)
            }
            if let messagesPath {
                files.append(messagesPath)
                let json = try readSidecar(messagesPath, source: source)
                let folder = (messagesPath as NSString).deletingLastPathComponent
                do {
                    sample = try SampleText.sidecar(json: json, media: path, kind: kind) {
                        try policy.resolve($0, root: folder.isEmpty ? "." : folder, manifest: messagesPath)
                    }
                } catch let e as InputError {
                    throw fail(source, .input, e)
                } catch {
                    throw SampleFailure(key: source.key, path: source.displayPath, stage: .input,
                                        error: "\(messagesPath): \(error)", reason: Self.reason(of: error, stage: .input))
                }
                files += sample.media.map(\.path).filter { $0 != path }
            } else {
                var caption = ""
                if let captionPath {
                    files.append(captionPath)
                    caption = try readSidecar(captionPath, source: source)
                    // A caption file's final line break is not part of the caption.
                    while caption.hasSuffix("\n") || caption.hasSuffix("\r") { caption.removeLast() }
                }
                sample = SampleText.caption(caption, media: path, kind: kind)
            }
        case .manifestRecord(let manifest, let line, let text, let root):
            do {
                sample = try SampleText.manifest(json: text) {
                    try policy.resolve($0, root: root, manifest: "\(manifest):\(line)")
                }
            } catch let e as InputError {
                throw fail(source, .input, e)
            } catch {
                throw SampleFailure(key: source.key, path: source.displayPath, stage: .input,
                                    error: "\(manifest):\(line): \(error)", reason: Self.reason(of: error, stage: .input))
            }
            files += sample.media.map(\.path)
        }
        guard !sample.media.isEmpty else {
            throw SampleFailure(key: source.key, path: source.displayPath, stage: .input,
                                error: "the sample names no image or video", reason: "no-media")
        }

        // 2. Every image and video through the engine.
        var images: [PatchBlock] = []
        var videos: [VideoBlock] = []
        var vision = VisionTokens()
        var warnings: [String] = []
        for item in sample.media {
            let runner = SampleRunner(pipeline: pipeline.applying(item.options), logger: logger)
            let result: MediaResult
            DebugSwitches.abortIfRequested(decoding: item.path)
            do {
                result = item.kind == .image ? try runner.preprocessImage(path: item.path)
                                             : try runner.preprocessVideo(path: item.path)
            } catch let e as RunnerError {
                throw fail(source, e.stage == "sample" ? .sample : .resize, e)
            } catch {
                throw fail(source, .decode, error)
            }
            let p = result.patches
            let block = PatchBlock(bytes: p.bytes, rows: p.rows, columns: p.columns, grid: [p.grid.t, p.grid.h, p.grid.w])
            let m = pipeline.layout.mergeSize
            if item.kind == .image {
                images.append(block)
                vision.images.append(ImageTokens(count: result.tokens))
            } else {
                let plan = result.plan!
                videos.append(VideoBlock(patches: block, frameIndices: plan.indices, timestamps: plan.timestamps,
                                         secondPerGrid: result.secondPerGrid(temporalPatchSize: pipeline.layout.temporalPatchSize)))
                vision.videos.append(VideoTokens(tokensPerGroup: p.grid.h * p.grid.w / (m * m),
                                                 timestamps: plan.groupTimestamps))
            }
            warnings += result.warnings.map { "\(item.written): \($0)" }
        }

        // 3. The text, with each placeholder expanded to its token count.
        let text: String
        do {
            text = try sample.render(family: pipeline.family, settings: pipeline.text, vision: vision)
        } catch {
            throw fail(source, .text, error)
        }
        let sources: [SourceFile]
        do {
            sources = try files.map(SourceFile.describe)
        } catch {
            throw fail(source, .input, error)
        }
        return ShardSample(key: source.key, images: images, videos: videos,
                           sourcesJSON: "[" + sources.map(\.json).joined(separator: ",") + "]",
                           messagesJSON: sample.messagesJSON, text: text, warnings: warnings)
    }
}
