import Foundation
import Logging
import MMPrepDataset
import MMPrepDecode
import MMPrepPipeline
import MMPrepPreprocess
import MMPrepShards

/// Builds one shard sample from one source: reads its text, resolves and preprocesses every
/// image and video it names, renders the text. Never throws: a failure names its stage.
struct SampleBuilder: Sendable {
    let pipeline: Pipeline
    let policy: PathPolicy
    let logger: Logger
    /// Largest sidecar accepted.
    var maxSidecarBytes = 1 << 20

    init(pipeline: Pipeline, policy: PathPolicy, logger: Logger) {
        self.pipeline = pipeline
        self.policy = policy
        self.logger = logger
    }

    func build(_ source: SampleSource) -> Result<ShardSample, SampleFailure> {
        do {
            return .success(try buildOrThrow(source))
        } catch let f as SampleFailure {
            return .failure(f)
        } catch {
            return .failure(SampleFailure(key: source.key, path: source.displayPath, stage: .write, error: "\(error)"))
        }
    }

    func fail(_ source: SampleSource, _ stage: SampleFailure.Stage, _ error: Any) -> SampleFailure {
        SampleFailure(key: source.key, path: source.displayPath, stage: stage, error: "\(error)")
    }

    func readSidecar(_ path: String, source: SampleSource) throws -> String {
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let size = attrs?[.size] as? Int ?? 0
        guard size <= maxSidecarBytes else {
            throw fail(source, .input, "\(path): sidecar is \(size) bytes, above the limit of \(maxSidecarBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(source, .input, "\(path): cannot read")
        }
        guard let text = String(validating: Array(data), as: UTF8.self) else {
            throw fail(source, .input, "\(path): not valid UTF-8")
        }
        return text
    }

    func buildOrThrow(_ source: SampleSource) throws -> ShardSample {
        // 1. The conversation and the media it names, in order.
        let conversation: Conversation
        var files: [String] = []
        switch source.origin {
        case .media(let path, let captionPath, let messagesPath):
            files.append(path)
            let kind: MediaKind
            do {
                kind = try SampleRunner(pipeline: pipeline, logger: logger).isImage(path: path) ? .image : .video
            } catch {
                throw fail(source, .decode, error)
            }
            if let messagesPath {
                files.append(messagesPath)
                let json = try readSidecar(messagesPath, source: source)
                do {
                    conversation = try Conversation.sidecar(json: json, media: path, kind: kind)
                } catch {
                    throw fail(source, .input, "\(messagesPath): \(error)")
                }
            } else {
                var caption = ""
                if let captionPath {
                    files.append(captionPath)
                    caption = try readSidecar(captionPath, source: source)
                }
                conversation = Conversation.caption(caption, media: path, kind: kind)
            }
        case .manifestRecord(let manifest, let line, let text, let root):
            do {
                var c = try Conversation.manifest(json: text)
                for i in c.media.indices {
                    c.media[i].path = try policy.resolve(c.media[i].written, root: root, manifest: "\(manifest):\(line)")
                }
                conversation = c
                files += c.media.map(\.path)
            } catch let e as InputError {
                throw fail(source, .input, e)
            } catch {
                throw fail(source, .input, "\(manifest):\(line): \(error)")
            }
        }
        guard !conversation.media.isEmpty else {
            throw fail(source, .input, "the sample names no image or video")
        }

        // 2. Every image and video through the engine.
        var images: [PatchBlock] = []
        var videos: [VideoBlock] = []
        var placeholders: [VisionPlaceholder] = []
        var warnings: [String] = []
        for item in conversation.media {
            let runner = SampleRunner(pipeline: pipeline.applying(item.options), logger: logger)
            let result: MediaResult
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
                placeholders.append(.image(tokens: result.tokens))
            } else {
                let plan = result.plan!
                videos.append(VideoBlock(patches: block, frameIndices: plan.indices, timestamps: plan.timestamps,
                                         secondPerGrid: result.secondPerGrid(temporalPatchSize: pipeline.layout.temporalPatchSize)))
                placeholders.append(.video(tokensPerGroup: p.grid.h * p.grid.w / (m * m),
                                           groupTimestamps: plan.groupTimestamps))
            }
            warnings += result.warnings.map { "\(item.written): \($0)" }
        }

        // 3. The text, with each placeholder expanded to its token count.
        let text: String
        do {
            text = try conversation.render(family: pipeline.family, settings: pipeline.text, placeholders: placeholders)
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
                           messagesJSON: conversation.messagesJSON, text: text, warnings: warnings)
    }
}

enum MediaKind: Sendable { case image, video }
