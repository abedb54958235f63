#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepDataset
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

/// Building samples, committing shards, and what happens to inputs afterwards.
extension WatchEngine {
    func process(_ u: WorkUnit) {
        let started = Self.now()
        do {
            try store.beginDecode(sha256: u.stateKey)
        } catch {
            outputFailed(error, requeue: [u])
            return
        }
        let result = maker.build(u.source)
        do {
            try store.endDecode(sha256: u.stateKey)
        } catch {
            outputFailed(error, requeue: [u])
            return
        }
        switch result {
        case .success(let sample):
            do {
                if let shard = try writer.add(sample) { try commit(shard) }
            } catch {
                outputFailed(error, requeue: [u])
                return
            }
            open.append(u)
            if openSince == nil { openSince = Self.now() }
            metrics.observe(seconds: Self.now() - started)
        case .failure(let f):
            if f.reason == "io" && IOErrorText.isTransient(f.error) {
                let attempt = (try? store.countAttempt(sha256: u.stateKey)) ?? pipeline.watch.maxAttempts + 1
                if attempt <= pipeline.watch.maxAttempts {
                    var again = u
                    let delay = min(pipeline.watch.retryMaxDelay, pow(2, Double(attempt - 2)))
                    again.notBefore = Self.now() + delay
                    queue.append(again)
                    logger.warning("I/O error; will retry", metadata: [
                        "file": "\(u.name)", "attempt": "\(attempt)", "delay": "\(delay)", "error": "\(f.error)"])
                    return
                }
                unitFailed(u, stage: "io", error: f.error + " (gave up after \(attempt - 1) attempts)", reason: "io")
                return
            }
            unitFailed(u, stage: f.stage.rawValue, error: f.error, reason: f.reason)
        }
    }

    /// Commits the open shard, if any (on the latency timer, a reload, and at shutdown).
    func flushOpen() {
        do {
            if let shard = try writer.flush() { try commit(shard) }
        } catch {
            outputFailed(error, requeue: [])
        }
    }

    /// The shard is on disk under its final name: record it and its samples in one
    /// transaction, update the index, then let go of the inputs.
    func commit(_ shard: CommittedShard) throws {
        let inShard = Array(open.prefix(shard.samples))
        try store.commit(shard: shard.name, samples: shard.samples, rows: shard.rows, bytes: shard.bytes,
                         sha256: shard.sha256, inputs: inShard.map(\.stateKey))
        committed.append(shard)
        open.removeFirst(shard.samples)
        openSince = open.isEmpty ? nil : Self.now()
        okTotal += shard.samples
        metrics.samples += shard.samples
        metrics.shards += 1
        metrics.bytes += shard.bytes
        if outputPause != nil { logger.notice("output writable again; intake resumed") }
        outputPause = nil
        retryDelay = 1
        indexDirty = true
        writeIndex()
        for u in inShard {
            inFlight.remove(u.stateKey)
            unitFinished(u.group, ok: true)
            resolveTwins(of: u.stateKey, failure: nil)
        }
        logger.info("shard committed", metadata: ["shard": "\(shard.name)", "samples": "\(shard.samples)"])
        metrics.publish(to: metricsFile)
    }

    /// The dataset index, from the store (which is the truth: a failed write is retried).
    func writeIndex() {
        do {
            try DatasetIndex(shards: committed, pipelineJSON: PipelineLoader.renderJSON(pipeline),
                             versions: MMPrepInfo.versions, ok: try store.inputs(in: .done).count,
                             failed: try store.inputs(in: .failed).count, skipped: 0).write(to: layout.output)
            indexDirty = false
        } catch {
            logger.error("cannot write the dataset index; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Writing output failed (disk full, I/O error, store not writable): nothing is lost. The
    /// partial shard is discarded, its samples and `requeue` go back to the front of the queue,
    /// and the service waits (1 s, doubling up to watch.retry_max_delay) before trying again.
    func outputFailed(_ error: any Error, requeue: [WorkUnit]) {
        if error is StateStoreError { invariantBroken = error }
        removeStaleOutput()
        writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(pipeline), nextIndex: committed.count)
        for u in open + requeue { try? store.endDecode(sha256: u.stateKey) }
        queue.insert(contentsOf: open + requeue, at: 0)
        open = []
        openSince = nil
        let delay = retryDelay
        retryDelay = min(retryDelay * 2, pipeline.watch.retryMaxDelay)
        retryAt = Self.now() + delay
        outputPause = "output write failed: \(error); retrying in \(Int(delay.rounded())) s"
        metrics.failures["output", default: 0] += 1
        logger.error("output write failed; inputs kept, retrying", metadata: [
            "error": "\(error)", "retry_in": "\(delay)", "requeued": "\(queue.count)"])
        writeStatus()
    }

    /// Removes partial shards and shards the store does not know (written but not committed).
    func removeStaleOutput() {
        let known = Set(committed.flatMap { [$0.name] + ($0.records.map { [$0] } ?? []) })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: layout.output)) ?? []
        where name.contains(".tmp-") || (name.hasPrefix("shard-") && !known.contains(name)) {
            logger.notice("discarding partial output", metadata: ["file": "\(name)"])
            try? FileManager.default.removeItem(atPath: layout.output + "/" + name)
        }
    }

    func unitFailed(_ u: WorkUnit, stage: String, error: String, reason: String = "") {
        unitFailed(name: u.name, stateKey: u.stateKey, group: u.group, stage: stage, error: error, reason: reason)
    }

    /// A sample that cannot be made: recorded, reported in failed/, counted.
    func unitFailed(name: String, stateKey: String, group: ClaimedGroup, stage: String, error: String,
                    reason: String = "") {
        try? store.markFailed(sha256: stateKey, error: "\(stage): \(error)")
        let attempts = (try? store.input(sha256: stateKey)?.attempts) ?? 1
        // A manifest record's report is named after the manifest and the line.
        let reportName = group.kind == .media ? group.primary
            : group.primary + ".line-" + (name.split(separator: ":").last.map(String.init) ?? "0")
        writeReport(for: reportName, stage: stage, error: error, attempts: attempts, reason: reason)
        metrics.failures[stage, default: 0] += 1
        failedTotal += 1
        logger.error("input failed", metadata: ["file": "\(name)", "stage": "\(stage)", "error": "\(error)"])
        inFlight.remove(stateKey)
        unitFinished(group, ok: false)
        resolveTwins(of: stateKey, failure: (stage, reason, "\(name) has the same content and failed: \(error)"))
        metrics.publish(to: metricsFile)
    }

    /// The copies of content that was in flight share its outcome: a duplicate when it was
    /// committed, a failure (with its reason) when it failed.
    func resolveTwins(of stateKey: String, failure: (stage: String, reason: String, error: String)?) {
        for w in twins.removeValue(forKey: stateKey) ?? [] {
            if let failure {
                unitFailed(w, stage: failure.stage, error: failure.error, reason: failure.reason)
            } else {
                try? store.recordDuplicate(sha256: w.stateKey, name: w.name)
                metrics.duplicates += 1
                logger.info("duplicate content; not processed again", metadata: ["file": "\(w.name)"])
                unitFinished(w.group, ok: true)
            }
        }
    }

    /// One sample of the group is committed or failed; the last one finishes the group.
    func unitFinished(_ g: ClaimedGroup, ok: Bool) {
        if ok { g.succeeded += 1 } else { g.failed += 1 }
        g.pending -= 1
        guard g.pending <= 0 else { return }
        if g.succeeded > 0 {
            for f in g.files {
                if pipeline.watch.keepInputs {
                    moveFile(f, from: layout.processing, to: layout.done)
                } else {
                    unlink(layout.processing + "/" + f)
                }
            }
        } else {
            moveFiles(g.files, from: layout.processing, to: layout.failed)
        }
        try? store.finishClaim(id: g.id)
    }

    func writeReport(for rel: String, stage: String, error: String, attempts: Int, reason: String = "") {
        let report = JSONText.object([
            ("file", JSONText.string(rel)), ("stage", JSONText.string(stage)), ("reason", JSONText.string(reason)),
            ("error", JSONText.string(error)),
            ("attempts", String(attempts)), ("mmprep_version", JSONText.string(MMPrepInfo.version)),
            ("time", JSONText.string(ISO8601DateFormatter().string(from: Date()))),
        ])
        let path = layout.failed + "/" + rel + ".error.json"
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try? AtomicFile.write(Array((report + "\n").utf8), to: path)
    }
}

/// Error texts of failures worth retrying: the file system, not the file, is at fault. Only
/// failures whose reason is `io` (a failed read(2), not FFmpeg's AVERROR(EIO) for damaged data)
/// are looked at.
enum IOErrorText {
    static let transient = [ENOSPC, EIO, EDQUOT, ESTALE].map { String(cString: strerror($0)) }

    static func isTransient(_ message: String) -> Bool {
        transient.contains { message.contains($0) }
    }
}
