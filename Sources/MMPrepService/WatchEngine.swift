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
    let metrics = Metrics()
    let metricsFile: String
    var queue: [ClaimedGroup] = []
    /// Samples in the open shard, with their inputs.
    var open: [ClaimedGroup] = []
    var openSince: Double?
    var committed: [CommittedShard] = []
    var firstReady: [String: Double] = [:]
    var paused: String?
    /// Liveness for the watchdog thread: when the loop last went round, and since when the
    /// current input has been processing (nil when idle).
    let liveness = Liveness()
    var recentFiles: [Double] = []
    var okTotal = 0
    var failedTotal = 0

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
        if let port = metricsPort {
            let snapshot = MetricsSnapshot()
            metrics.snapshot = snapshot
            let server = try MetricsServer(port: port, snapshot: snapshot)
            server.start()
            metricsServer = server
        }
        metrics.publish(to: self.metricsFile)
    }

    var metricsServer: MetricsServer?

    static func shardSettings(_ p: Pipeline) -> ShardSettings {
        ShardSettings(format: p.output.format == .webdataset ? .webdataset : .safetensors, maxRows: p.output.maxRows,
                      maxSamples: p.output.maxSamples, maxBytes: p.output.maxBytes,
                      dtype: p.output.dtype.safetensorsName, mean: p.image.mean, std: p.image.std,
                      pipelineName: p.name, secondPerGrid: p.family == .qwen25VL)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: start-up

    /// Discards stale output, then re-queues (or finishes) what was in processing/.
    func recover() throws {
        committed = try store.committedShards()
        let known = Set(committed.flatMap { [$0.name] + ($0.records.map { [$0] } ?? []) })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: layout.output)) ?? []
        where name.contains(".tmp-") || (name.hasPrefix("shard-") && !known.contains(name)) {
            logger.notice("discarding stale partial output", metadata: ["file": "\(name)"])
            try? FileManager.default.removeItem(atPath: layout.output + "/" + name)
        }
        writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(pipeline), nextIndex: committed.count)
        for rel in Self.files(under: layout.processing) where InputWalker.isMedia(rel) {
            let path = layout.processing + "/" + rel
            let stem = (rel as NSString).deletingPathExtension
            let sidecars = [stem + ".txt", stem + ".json"].filter { FileManager.default.fileExists(atPath: layout.processing + "/" + $0) }
            let described = try SourceDescription.of(path)
            switch try store.claim(sha256: described.sha256, name: rel, bytes: described.bytes) {
            case .done?, .duplicate?:
                finish([rel] + sidecars)
            case .failed?:
                moveToFailed([rel] + sidecars, stage: "input", error: "failed before", attempts: 1)
            case .processing?, nil:
                queue.append(ClaimedGroup(relativeMedia: rel, relativeFiles: [rel] + sidecars, sha256: described.sha256,
                                          bytes: described.bytes, key: Self.key(rel, described.sha256),
                                          claimedAt: Self.now()))
            }
        }
        if !queue.isEmpty { logger.notice("re-running inputs left in processing/", metadata: ["count": "\(queue.count)"]) }
    }

    static func files(under root: String) -> [String] {
        var out: [String] = []
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(root + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { out.append(rel) }
        }
        return out.sorted()
    }

    static func key(_ rel: String, _ sha: String) -> String {
        SampleKey.sanitize((rel as NSString).deletingPathExtension) + "-" + sha.prefix(12)
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
                liveness.loop(at: Self.now())
                if reload.take() { try reloadPipeline() }
                let now = Self.now()
                scanAndClaim(now: now)
                if let group = queue.first, !stop.isSet {
                    queue.removeFirst()
                    liveness.busy(since: Self.now())
                    defer { liveness.busy(since: nil) }
                    try process(group)
                    continue
                }
                if let since = openSince, now - since >= pipeline.output.maxLatency, let shard = try writer.flush() {
                    try commit(shard)
                }
                writeStatus()
                _ = watcher.wait(timeout: min(pipeline.watch.pollInterval, max(0.05, timeToLatency(now))))
            }
            _ = notify?.send("STOPPING=1")
            if let shard = try writer.flush() { try commit(shard) }
            writeStatus()
            logger.notice("stopped", metadata: ["queued_left_in_processing": "\(queue.count)"])
        } catch {
            logger.critical("watch stopped: \(error)")
            _ = notify?.send("STATUS=failed: \(error)")
            fatalErrorExit = error
        }
    }

    var fatalErrorExit: (any Error)?

    func timeToLatency(_ now: Double) -> Double {
        guard let since = openSince else { return pipeline.watch.pollInterval }
        return max(0, since + pipeline.output.maxLatency - now)
    }

    func reloadPipeline() throws {
        let fresh: Pipeline
        do {
            fresh = try PipelineLoader.load(pipelineSource, overrides: overrides)
        } catch {
            logger.error("pipeline reload rejected; keeping the old one: \(error)")
            return
        }
        do {
            if let shard = try writer.flush() { try commit(shard) }
            pipeline = fresh
            scanner.settle = fresh.watch.settle
            writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(fresh), nextIndex: committed.count)
            logger.notice("pipeline reloaded", metadata: ["pipeline": "\(fresh.name)"])
        }
    }

    // MARK: claiming

    func scanAndClaim(now: Double) {
        if let free = FilesystemInfo.freeBytes(layout.output), free < pipeline.watch.diskReserve {
            if paused == nil {
                logger.warning("intake paused: output filesystem has \(free) bytes free, reserve is \(pipeline.watch.diskReserve)")
            }
            paused = "disk space: \(free) bytes free, reserve \(pipeline.watch.diskReserve)"
            return
        }
        if paused != nil { logger.notice("intake resumed") }
        paused = nil
        let result = scanner.scan(now: now)
        for r in result.refused {
            logger.error("refused inbox entry", metadata: ["path": "\(r.path)", "reason": "\(r.reason)"])
        }
        let ready = Set(result.ready)
        firstReady = firstReady.filter { ready.contains($0.key) }
        for rel in result.ready {
            if firstReady[rel] == nil { firstReady[rel] = now }
            let ext = (rel as NSString).pathExtension.lowercased()
            if InputWalker.isMedia(rel) {
                let stem = (rel as NSString).deletingPathExtension
                let sidecars = [stem + ".txt", stem + ".json"]
                let present = sidecars.filter { FileManager.default.fileExists(atPath: layout.inbox + "/" + $0) }
                if present.contains(where: { !ready.contains($0) }) { continue }   // sidecar still settling
                if present.isEmpty && now - firstReady[rel]! < pipeline.watch.sidecarWait { continue }
                claim(rel, sidecars: present, now: now)
            } else if ext == "txt" || ext == "json" {
                continue   // waits for its media
            } else if now - firstReady[rel]! >= pipeline.watch.sidecarWait {
                claimUnsupported(rel)
            }
        }
    }

    func claim(_ rel: String, sidecars: [String], now: Double) {
        let files = [rel] + sidecars
        var moved: [String] = []
        for f in files {
            let target = layout.processing + "/" + f
            try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            if Glibc.rename(layout.inbox + "/" + f, target) == 0 {
                moved.append(f)
                scanner.forget(f)
            } else {
                logger.error("claim failed", metadata: ["file": "\(f)", "error": "\(String(cString: strerror(errno)))"])
            }
        }
        guard moved.first == rel else { return }
        metrics.files += moved.count
        recentFiles.append(now)
        do {
            let d = try SourceDescription.of(layout.processing + "/" + rel)
            switch try store.claim(sha256: d.sha256, name: rel, bytes: d.bytes) {
            case .done?, .duplicate?:
                try store.recordDuplicate(sha256: d.sha256, name: rel)
                metrics.duplicates += 1
                logger.info("duplicate content; not processed again", metadata: ["file": "\(rel)"])
                finish(moved)
            case .failed?:
                moveToFailed(moved, stage: "input", error: "the same content failed before", attempts: 1)
            case .processing?, nil:
                queue.append(ClaimedGroup(relativeMedia: rel, relativeFiles: moved, sha256: d.sha256, bytes: d.bytes,
                                          key: Self.key(rel, d.sha256), claimedAt: now))
            }
        } catch {
            logger.error("cannot record claim", metadata: ["file": "\(rel)", "error": "\(error)"])
        }
    }

    func claimUnsupported(_ rel: String) {
        let target = layout.failed + "/" + rel
        try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        guard Glibc.rename(layout.inbox + "/" + rel, target) == 0 else { return }
        scanner.forget(rel)
        let error = "\(rel): not a media file mmprep reads"
        if let d = try? SourceDescription.of(target) {
            _ = try? store.claim(sha256: d.sha256, name: rel, bytes: d.bytes)
            try? store.markFailed(sha256: d.sha256, error: "input: \(error)")
        }
        writeReport(for: rel, stage: "input", error: error, attempts: 1)
        metrics.failures["input", default: 0] += 1
        failedTotal += 1
    }

    // MARK: processing

    /// Throws only when output cannot be written or recorded: the service then stops, and the
    /// next start recovers (stale output discarded, inputs in processing/ re-run).
    func process(_ group: ClaimedGroup) throws {
        let started = Self.now()
        let path = layout.processing + "/" + group.relativeMedia
        let stem = (path as NSString).deletingPathExtension
        let caption = group.relativeFiles.contains { $0.hasSuffix(".txt") } ? stem + ".txt" : nil
        let messages = group.relativeFiles.contains { $0.hasSuffix(".json") } ? stem + ".json" : nil
        let source = SampleSource(key: group.key, origin: .media(path: path, caption: caption, messages: messages))
        let builder = SampleBuilder(pipeline: pipeline, policy: PathPolicy(allowedRoots: [layout.processing]), logger: logger)
        switch builder.build(source) {
        case .success(let sample):
            if let shard = try writer.add(sample) {
                try commit(shard)
            }
            open.append(group)
            if openSince == nil { openSince = Self.now() }
            metrics.observe(seconds: Self.now() - started)
        case .failure(let f):
            let attempts = (try? store.input(sha256: group.sha256)?.attempts) ?? 1
            moveToFailed(group.relativeFiles, stage: f.stage.rawValue, error: f.error, attempts: attempts)
            try? store.markFailed(sha256: group.sha256, error: "\(f.stage.rawValue): \(f.error)")
        }
    }

    /// The shard is on disk under its final name: record it and its inputs in one
    /// transaction, update the index, then let go of the inputs.
    func commit(_ shard: CommittedShard) throws {
        let inShard = open.prefix(shard.samples)
        try store.commit(shard: shard.name, samples: shard.samples, rows: shard.rows, bytes: shard.bytes,
                         sha256: shard.sha256, inputs: inShard.map(\.sha256))
        committed.append(shard)
        okTotal += shard.samples
        metrics.samples += shard.samples
        metrics.shards += 1
        metrics.bytes += shard.bytes
        try DatasetIndex(shards: committed, pipelineJSON: PipelineLoader.renderJSON(pipeline),
                         versions: MMPrepInfo.versions, ok: try store.inputs(in: .done).count,
                         failed: try store.inputs(in: .failed).count, skipped: 0).write(to: layout.output)
        for g in inShard { finish(g.relativeFiles) }
        open.removeFirst(shard.samples)
        openSince = open.isEmpty ? nil : Self.now()
        logger.info("shard committed", metadata: ["shard": "\(shard.name)", "samples": "\(shard.samples)"])
        metrics.publish(to: metricsFile)
    }

    /// Inputs that are done: removed, or moved to done/ when the pipeline keeps them.
    func finish(_ files: [String]) {
        for f in files {
            let from = layout.processing + "/" + f
            if pipeline.watch.keepInputs {
                let to = layout.done + "/" + f
                try? FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent,
                                                         withIntermediateDirectories: true)
                _ = Glibc.rename(from, to)
            } else {
                unlink(from)
            }
        }
    }

    func moveToFailed(_ files: [String], stage: String, error: String, attempts: Int) {
        for f in files {
            let to = layout.failed + "/" + f
            try? FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            _ = Glibc.rename(layout.processing + "/" + f, to)
        }
        if let media = files.first { writeReport(for: media, stage: stage, error: error, attempts: attempts) }
        metrics.failures[stage, default: 0] += 1
        failedTotal += 1
        logger.error("input failed", metadata: ["file": "\(files.first ?? "?")", "stage": "\(stage)", "error": "\(error)"])
        metrics.publish(to: metricsFile)
    }

    func writeReport(for rel: String, stage: String, error: String, attempts: Int) {
        let report = JSONText.object([
            ("file", JSONText.string(rel)), ("stage", JSONText.string(stage)), ("error", JSONText.string(error)),
            ("attempts", String(attempts)), ("mmprep_version", JSONText.string(MMPrepInfo.version)),
            ("time", JSONText.string(ISO8601DateFormatter().string(from: Date()))),
        ])
        try? AtomicFile.write(Array((report + "\n").utf8), to: layout.failed + "/" + rel + ".error.json")
    }

    func writeStatus() {
        let now = Self.now()
        recentFiles = recentFiles.filter { now - $0 < 60 }
        let status = WatchStatus(pid: getpid(), queued: queue.count, working: open.count, paused: paused,
                                 polling: watcher.polling, filesPerSecond: Double(recentFiles.count) / 60,
                                 samplesTotal: okTotal, updatedAt: Date())
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
