#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MMPrepDataset
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

/// The service's work loop, run on a thread of its own (FFmpeg work blocks).
///
/// Exactly once: a ready file is claimed by renaming it into processing/ and recording its
/// content hash; samples go into the open shard; a shard is committed (fsync, rename) and its
/// inputs marked done in one transaction, and only then are the inputs removed. After a crash,
/// inputs still in processing/ are re-run and shards the store does not know are discarded.
/// Confined to the one thread that runs it (handed over once, never shared), hence unchecked.
final class WatchEngine: @unchecked Sendable {
    let layout: WatchLayout
    let logger: Logger
    let notify: NotifySocket?
    var pipeline: Pipeline
    let pipelineSource: String
    let overrides: [String]
    let store: StateStore
    let lock: InstanceLock
    let scanner: InboxScanner
    let watcher: FolderWatcher
    var writer: ShardWriter
    /// Builds samples in process or in decoding children (decode.isolation).
    var maker: SampleMaker
    let metrics = Metrics()
    let metricsFile: String
    var metricsServer: MetricsServer?
    /// Samples waiting to be built, in claim order.
    var queue: [WorkUnit] = []
    /// State keys of the samples queued or in the open shard.
    var inFlight = Set<String>()
    /// Samples whose content equals one in flight, waiting for its outcome.
    var twins: [String: [WorkUnit]] = [:]
    /// Samples in the open shard, in order.
    var open: [WorkUnit] = []
    var openSince: Double?
    var committed: [CommittedShard] = []
    var firstReady: [String: Double] = [:]
    /// Media paths (relative to the inbox) named by each settled manifest in the inbox.
    var manifestMedia: [String: [String]] = [:]
    /// Why intake is paused for lack of disk space, if it is.
    var diskPause: String?
    /// Why output is paused after a write error, and until when.
    var outputPause: String?
    var retryAt: Double?
    var retryDelay = 1.0
    /// The dataset index could not be written after a commit; written again on the next loop.
    var indexDirty = false
    /// Liveness for the watchdog thread: when the loop last went round, and since when the
    /// current input has been processing (nil when idle).
    let liveness = Liveness()
    var recentFiles: [Double] = []
    var okTotal = 0
    var failedTotal = 0
    var fatalErrorExit: (any Error)?
    /// The state store refused a commit as inconsistent: not an I/O problem, so no retry; the
    /// service stops (systemd restarts it and recovery starts from the store).
    var invariantBroken: (any Error)?

    init(pipelineSource: String, overrides: [String], layout: WatchLayout, metricsFile: String?,
         metricsPort: UInt16?, logger: Logger) throws {
        self.pipelineSource = pipelineSource
        self.overrides = overrides
        self.layout = layout
        self.logger = logger
        pipeline = try PipelineLoader.load(pipelineSource, overrides: overrides)
        try layout.prepare()
        lock = try InstanceLock(stateDirectory: layout.state)
        store = try StateStore(path: layout.state + "/state.sqlite")
        scanner = InboxScanner(inbox: layout.inbox, settle: pipeline.watch.settle)
        watcher = FolderWatcher(root: layout.inbox, mode: pipeline.watch.mode.rawValue, logger: logger)
        notify = NotifySocket()
        self.metricsFile = metricsFile ?? (layout.state + "/metrics.prom")
        writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(pipeline), nextIndex: 0)
        maker = Self.maker(pipeline, layout: layout, logger: logger)
        if let port = metricsPort {
            let snapshot = MetricsSnapshot()
            metrics.snapshot = snapshot
            let server = try MetricsServer(port: port, snapshot: snapshot)
            server.start()
            metricsServer = server
        }
        metrics.publish(to: self.metricsFile)
    }

    static func shardSettings(_ p: Pipeline) -> ShardSettings {
        ShardSettings(format: p.output.format == .webdataset ? .webdataset : .safetensors, maxRows: p.output.maxRows,
                      maxSamples: p.output.maxSamples, maxBytes: p.output.maxBytes,
                      dtype: p.output.dtype.safetensorsName, mean: p.image.mean, std: p.image.std,
                      pipelineName: p.name, secondPerGrid: p.family == .qwen25VL)
    }

    static func maker(_ p: Pipeline, layout: WatchLayout, logger: Logger) -> SampleMaker {
        SampleMaker(pipeline: p, policy: PathPolicy(allowedRoots: [layout.processing]), logger: logger)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func key(_ rel: String, _ sha: String) -> String {
        SampleKey.sanitize((rel as NSString).deletingPathExtension) + "-" + sha.prefix(12)
    }

    var pairing: InboxPairing {
        InboxPairing(sidecarWait: pipeline.watch.sidecarWait, pairTimeout: pipeline.watch.pairTimeout)
    }

    // MARK: the loop

    func run(stop: Flag, reload: Flag) {
        do {
            try recover()
            scanAndClaim(now: Self.now())
            _ = notify?.send("READY=1")
            logger.notice("watching", metadata: ["inbox": "\(layout.inbox)", "output": "\(layout.output)",
                                                  "polling": "\(watcher.polling)"])
            while !stop.isSet {
                if let broken = invariantBroken { throw broken }
                let now = Self.now()
                liveness.loop(at: now)
                if reload.take() { reloadPipeline() }
                if let until = retryAt, now < until {
                    // Output failed to write: nothing is built until the retry time.
                    writeStatus()
                    _ = watcher.wait(timeout: min(pipeline.watch.pollInterval, max(0.05, until - now)))
                    continue
                }
                retryAt = nil
                if indexDirty { writeIndex() }
                scanAndClaim(now: now)
                if let i = queue.firstIndex(where: { $0.notBefore <= now }), !stop.isSet {
                    let unit = queue.remove(at: i)
                    liveness.busy(since: Self.now())
                    process(unit)
                    liveness.busy(since: nil)
                    continue
                }
                if let since = openSince, now - since >= pipeline.output.maxLatency { flushOpen() }
                writeStatus()
                _ = watcher.wait(timeout: min(pipeline.watch.pollInterval, max(0.05, timeToNextEvent(now))))
            }
            _ = notify?.send("STOPPING=1")
            flushOpen()
            writeStatus()
            logger.notice("stopped", metadata: ["left_in_processing": "\(queue.count + open.count)"])
        } catch {
            logger.critical("watch stopped: \(error)")
            _ = notify?.send("STATUS=failed: \(error)")
            fatalErrorExit = error
        }
    }

    /// Seconds until the open shard's latency runs out or a delayed input may be retried.
    func timeToNextEvent(_ now: Double) -> Double {
        var t = pipeline.watch.pollInterval
        if let since = openSince { t = min(t, since + pipeline.output.maxLatency - now) }
        if let next = queue.map(\.notBefore).min() { t = min(t, next - now) }
        return max(0, t)
    }

    func reloadPipeline() {
        let fresh: Pipeline
        do {
            fresh = try PipelineLoader.load(pipelineSource, overrides: overrides)
        } catch {
            logger.error("pipeline reload rejected; keeping the old one: \(error)")
            return
        }
        flushOpen()
        guard open.isEmpty else {
            logger.error("pipeline reload postponed: the open shard could not be written")
            return
        }
        pipeline = fresh
        maker = Self.maker(fresh, layout: layout, logger: logger)
        scanner.settle = fresh.watch.settle
        writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(fresh), nextIndex: committed.count)
        logger.notice("pipeline reloaded", metadata: ["pipeline": "\(fresh.name)"])
    }

    func writeStatus() {
        let now = Self.now()
        recentFiles = recentFiles.filter { now - $0 < 60 }
        let status = WatchStatus(pid: getpid(), queued: queue.count, working: open.count, failed: failedTotal,
                                 paused: outputPause ?? diskPause, polling: watcher.polling,
                                 filesPerSecond: Double(recentFiles.count) / 60, samplesTotal: okTotal,
                                 updatedAt: Date())
        try? AtomicFile.write(Array((status.json + "\n").utf8), to: layout.state + "/status.json")
        metrics.snapshot?.set(metrics.text)
        _ = notify?.send(status.systemdLine)
    }
}

/// What the watchdog thread reads to decide whether the work loop is alive.
final class Liveness: @unchecked Sendable {
    private let lock = NSLock()
    private var lastLoop = WatchEngine.now()
    private var busySince: Double?

    func loop(at t: Double) { lock.lock(); lastLoop = t; lock.unlock() }
    func busy(since t: Double?) { lock.lock(); busySince = t; if t == nil { lastLoop = WatchEngine.now() }; lock.unlock() }

    /// Alive when the loop went round recently, or when one input has been processing for
    /// less than `budget` seconds (a long video is not a hang; a stuck decoder is).
    func isAlive(now: Double, loopGrace: Double, budget: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if let b = busySince { return now - b < budget }
        return now - lastLoop < loopGrace
    }
}

/// A one-shot flag shared between the signal handlers and the work thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
    /// Returns whether it was set, and clears it.
    func take() -> Bool { lock.lock(); defer { value = false; lock.unlock() }; return value }
}

/// Size and sha256 of a file (the shard records' `sources` entries use the same).
enum SourceDescription {
    static func of(_ path: String) throws -> (sha256: String, bytes: Int) {
        let d = try SourceFile.describe(path)
        return (d.sha256, d.bytes)
    }
}
