import Foundation
import Logging
import MMPrepDataset
import MMPrepDecode
import MMPrepPipeline
import MMPrepShards

/// What `mmprep convert` was asked to do.
public struct ConvertOptions: Sendable {
    public var inputs: [String]
    public var output: String
    public var jobs: Int
    public var maxFailures: Int?
    public var workerIndex: Int
    public var workerCount: Int
    public var allowRoots: [String]

    public init(inputs: [String], output: String, jobs: Int, maxFailures: Int?, workerIndex: Int, workerCount: Int,
                allowRoots: [String]) {
        self.inputs = inputs
        self.output = output
        self.jobs = jobs
        self.maxFailures = maxFailures
        self.workerIndex = workerIndex
        self.workerCount = workerCount
        self.allowRoots = allowRoots
    }
}

/// How a conversion ended.
public struct ConvertSummary: Sendable {
    public var ok: Int
    public var failed: Int
    public var skipped: Int
    public var shards: Int
    public var resumedFrom: Int
    public var seconds: Double
    public var alreadyComplete: Bool
}

public struct ConvertError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Converts inputs into a dataset folder: samples in key order, packed into shards, with a
/// journal that lets an interrupted run finish without redoing committed shards.
public final class ConvertJob {
    public let pipeline: Pipeline
    public let options: ConvertOptions
    let logger: Logger

    public init(pipeline: Pipeline, options: ConvertOptions, logger: Logger) {
        self.pipeline = pipeline
        self.options = options
        self.logger = logger
    }

    var shardSettings: ShardSettings {
        ShardSettings(format: pipeline.output.format == .webdataset ? .webdataset : .safetensors,
                      maxRows: pipeline.output.maxRows, maxSamples: pipeline.output.maxSamples,
                      maxBytes: pipeline.output.maxBytes, dtype: pipeline.output.dtype.safetensorsName,
                      mean: pipeline.image.mean, std: pipeline.image.std, pipelineName: pipeline.name,
                      secondPerGrid: pipeline.family == .qwen25VL)
    }

    public func run(progress: ProgressReporter) throws -> ConvertSummary {
        let started = Date()
        let walked = try InputWalker().walk(options.inputs)
        let mine = walked.sources.filter {
            options.workerCount <= 1 || SampleKey.partition($0.key, count: options.workerCount) == options.workerIndex
        }
        let myProblems = walked.problems.filter {
            options.workerCount <= 1 || SampleKey.partition($0.key, count: options.workerCount) == options.workerIndex
        }
        if mine.isEmpty && myProblems.isEmpty {
            throw ConvertError("no media found in \(options.inputs.joined(separator: ", ")) (folders are walked for "
                               + "image/video files; manifests must end in .jsonl)")
        }
        try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        let journal = try Journal(directory: options.output, identity: identity(of: mine))
        if journal.isComplete {
            logger.info("already complete", metadata: ["output": "\(options.output)"])
            return ConvertSummary(ok: journal.okCount, failed: journal.failures.count, skipped: 0,
                                  shards: journal.shards.count, resumedFrom: mine.count,
                                  seconds: Date().timeIntervalSince(started), alreadyComplete: true)
        }
        let start = journal.nextOrdinal
        if start > 0 {
            logger.notice("resuming", metadata: ["committed_samples": "\(start)", "shards": "\(journal.shards.count)"])
        }
        let writer = ShardWriter(directory: options.output, settings: shardSettings, nextIndex: journal.shards.count)
        var pendingFailures: [SampleFailure] = []
        var ok = journal.okCount
        // Problems found while walking (bad lines, duplicates) count once, at the start.
        if start == 0 {
            for p in myProblems {
                pendingFailures.append(SampleFailure(key: p.key, path: p.path, stage: .input, error: p.message,
                                                     reason: p.reason))
            }
        }
        let builder = SampleMaker(pipeline: pipeline.withDecoderThreads(jobs: options.jobs),
                                    policy: PathPolicy(allowedRoots: options.allowRoots), logger: logger)
        let sources = mine
        progress.begin(total: sources.count, done: start, failed: journal.failures.count)
        // With several workers, each sample's tensors leave memory on the worker that made them
        // (ShardSample.spooled: a file the shard writer then moves into the shard), so the
        // samples waiting in the window hold no tensors: 30 720p JPEGs with 2 jobs peak at
        // 122-127 MB against 177-204 MB, in the same time. With one worker the tensors go from
        // memory straight into the shard file, written once. If a spool write fails (disk full)
        // the bytes stay in memory and the shard writer meets the error on this thread, where
        // output errors stop the run.
        let spoolDirectory = shardSettings.format == .safetensors && options.jobs > 1 ? options.output : nil
        let queue = OrderedWorkQueue<Swift.Result<ShardSample, SampleFailure>>(
            start: start, end: sources.count, workers: max(1, options.jobs), window: max(2, options.jobs * 2)
        ) { ordinal in
            let built = builder.build(sources[ordinal])
            guard let spoolDirectory, case .success(let sample) = built else { return built }
            return .success((try? sample.spooled(directory: spoolDirectory, name: "spool-\(ordinal)")) ?? sample)
        }
        // A full shard is sealed here and finished (fsync, sha256, rename) on another thread
        // while the next one fills; it is journaled once finished, before the next is sealed, so
        // shards reach the journal in order. A crash before that leaves a shard the journal does
        // not know, which the next run removes and redoes.
        var finishing: (finisher: ShardFinisher, next: Int, failures: [SampleFailure], okAfter: Int)?
        func settle() throws {
            guard let f = finishing else { return }
            finishing = nil
            try journal.commit(shard: try f.finisher.wait(), next: f.next, failures: f.failures, okAfter: f.okAfter)
        }
        do {
            while let (ordinal, result) = queue.next() {
                switch result {
                case .success(let sample):
                    if let sealed = try writer.addSealing(sample) {
                        try settle()
                        finishing = (ShardFinisher(sealed), ordinal, pendingFailures, ok)
                        pendingFailures = []
                    }
                    ok += 1
                case .failure(let failure):
                    pendingFailures.append(failure)
                    logger.warning("failed", metadata: ["key": "\(failure.key)", "stage": "\(failure.stage.rawValue)",
                                                         "error": "\(failure.error)"])
                }
                progress.advance(failed: journal.failures.count + pendingFailures.count)
            }
        } catch {
            // Before the run stops: the workers are stopped and the samples they made dropped
            // (with their spool files), and a shard still finishing is seen through (and
            // journaled if it made it), so that no temporary file is left behind.
            queue.shutDown()
            try? settle()
            throw error
        }
        queue.shutDown()
        try settle()
        try journal.commit(shard: try writer.flush(), next: sources.count, failures: pendingFailures, okAfter: ok)
        // The journal holds every failure: those of earlier runs and of this one.
        let failures = journal.failures
        try writeFailures(failures)
        try writeIndex(shards: journal.shards, ok: ok, failed: failures.count, skipped: walked.skipped)
        try journal.markComplete()
        progress.finish()
        return ConvertSummary(ok: ok, failed: failures.count, skipped: walked.skipped, shards: journal.shards.count,
                              resumedFrom: start, seconds: Date().timeIntervalSince(started), alreadyComplete: false)
    }

    /// What makes two runs the same job: the resolved pipeline, the sources and the worker slot.
    func identity(of sources: [SampleSource]) -> String {
        var h = SHA256()
        h.update(Array(PipelineLoader.render(pipeline).utf8))
        h.update(Array("worker \(options.workerIndex)/\(options.workerCount)\n".utf8))
        for s in sources { h.update(Array("\(s.key)\t\(s.displayPath)\n".utf8)) }
        return h.finalizeHex()
    }

    func writeFailures(_ failures: [SampleFailure]) throws {
        let lines = failures.sorted { $0.key < $1.key }.map {
            JSONText.object([("key", JSONText.string($0.key)), ("path", JSONText.string($0.path)),
                             ("stage", JSONText.string($0.stage.rawValue)), ("reason", JSONText.string($0.reason)),
                             ("error", JSONText.string($0.error))])
        }
        try AtomicFile.write(Array(lines.map { $0 + "\n" }.joined().utf8), to: options.output + "/failures.jsonl")
    }

    func writeIndex(shards: [CommittedShard], ok: Int, failed: Int, skipped: Int) throws {
        try DatasetIndex(shards: shards, pipelineJSON: PipelineLoader.renderJSON(pipeline), versions: MMPrepInfo.versions,
                         ok: ok, failed: failed, skipped: skipped,
                         worker: options.workerCount > 1 ? (options.workerIndex, options.workerCount) : nil)
            .write(to: options.output)
    }
}

/// mmprep's own version, recorded in outputs.
public enum MMPrepInfo {
    public static let version = "0.1.0"

    /// mmprep's and the FFmpeg libraries' versions, as dataset indexes record them.
    public static var versions: [(String, String)] {
        [("mmprep", version)] + FFmpegVersions.all.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
    }
}
