#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepDataset
import MMPrepRunner
import MMPrepShards

/// Claiming: settled inbox files become groups in processing/ and samples in the queue.
extension WatchEngine {
    /// Largest manifest read from the inbox.
    static let maxManifestBytes = 256 << 20

    func scanAndClaim(now: Double) {
        if let free = FilesystemInfo.freeBytes(layout.output), free < pipeline.watch.diskReserve {
            if diskPause == nil {
                logger.warning("intake paused: output filesystem has \(free) bytes free, reserve is \(pipeline.watch.diskReserve)")
            }
            diskPause = "disk space: \(free) bytes free, reserve \(pipeline.watch.diskReserve)"
            return
        }
        if diskPause != nil { logger.notice("intake resumed") }
        diskPause = nil
        let result = scanner.scan(now: now)
        for r in result.refused {
            logger.error("refused inbox entry", metadata: ["path": "\(r.path)", "reason": "\(r.reason)"])
        }
        let ready = Set(result.ready)
        firstReady = firstReady.filter { ready.contains($0.key) }
        for rel in result.ready where firstReady[rel] == nil { firstReady[rel] = now }
        manifestMedia = manifestMedia.filter { ready.contains($0.key) }
        for m in result.ready where InboxPairing.isManifest(m) && manifestMedia[m] == nil {
            manifestMedia[m] = readManifestMedia(layout.inbox + "/" + m)
                .compactMap { InboxPairing.resolve($0, manifest: m) }
        }
        for action in pairing.decide(ready: result.ready, present: result.present, irregular: result.irregular,
                                     firstReady: firstReady,
                                     manifests: manifestMedia, now: now) {
            switch action {
            case .media(let rel, let sidecars):
                if let g = claimGroup(.media, files: [rel] + sidecars) { enqueue(g, recovering: false) }
            case .manifest(let rel, let media, let missing):
                if !missing.isEmpty {
                    logger.warning("manifest claimed without all its media", metadata: [
                        "manifest": "\(rel)", "missing": "\(missing.joined(separator: ","))"])
                }
                if let g = claimGroup(.manifest, files: [rel] + media) { enqueue(g, recovering: false) }
            case .orphanSidecar(let rel):
                claimFailed(rel, error: "\(rel): a sidecar whose media file did not arrive within "
                            + "watch.pair_timeout (\(Int(pipeline.watch.pairTimeout)) s)", reason: "orphan-sidecar")
            case .irregularSidecar(let rel, let sidecar):
                claimFailed(rel, error: "\(rel): its sidecar \(sidecar) is not a regular file (symlink, fifo or "
                            + "device); refused", reason: "not-regular")
            case .unsupported(let rel):
                claimFailed(rel, error: "\(rel): not a media file, sidecar or manifest mmprep reads",
                            reason: "unsupported-format")
            }
        }
    }

    func readManifestMedia(_ path: String) -> [String] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        let data = (try? h.read(upToCount: Self.maxManifestBytes)) ?? nil
        return ManifestReferences.mediaPaths(inManifest: Array(data ?? Data()))
    }

    /// Records the group, then moves its files into processing/. Nil when the primary file
    /// went away in between.
    func claimGroup(_ kind: ClaimedGroup.Kind, files: [String]) -> ClaimedGroup? {
        let id: Int64
        do {
            id = try store.recordClaim(kind: kind.rawValue, files: files)
        } catch {
            logger.error("cannot record claim", metadata: ["file": "\(files[0])", "error": "\(error)"])
            return nil
        }
        var moved: [String] = []
        for f in files {
            if moveFile(f, from: layout.inbox, to: layout.processing) { moved.append(f) }
            scanner.forget(f)
            firstReady[f] = nil
        }
        if moved != files { try? store.updateClaim(id: id, files: moved) }
        guard moved.first == files[0] else {
            // The writer took its file back: whatever moved goes to failed/ with a report.
            if !moved.isEmpty {
                moveFiles(moved, from: layout.processing, to: layout.failed)
                writeReport(for: moved[0], stage: "input", error: "\(files[0]) disappeared while being claimed", attempts: 1)
            }
            try? store.finishClaim(id: id)
            return nil
        }
        metrics.files += moved.count
        recentFiles.append(Self.now())
        return ClaimedGroup(id: id, kind: kind, files: moved)
    }

    /// A settled file that makes no sample: straight to failed/ with a report.
    func claimFailed(_ rel: String, error: String, reason: String) {
        guard moveFile(rel, from: layout.inbox, to: layout.failed) else { return }
        scanner.forget(rel)
        firstReady[rel] = nil
        writeReport(for: rel, stage: "input", error: error, attempts: 1, reason: reason)
        metrics.files += 1
        metrics.failures["input", default: 0] += 1
        failedTotal += 1
        logger.error("input failed", metadata: ["file": "\(rel)", "stage": "input", "error": "\(error)"])
    }

    /// Turns a claimed group into samples: looks each up in the store (by content) and queues
    /// the ones not done yet. `recovering`: after a restart, where earlier outcomes are final.
    func enqueue(_ g: ClaimedGroup, recovering: Bool, crashes: [String: Int] = [:]) {
        var units: [(WorkUnit, bytes: Int)] = []
        var problems: [(name: String, stateKey: String, error: String, reason: String)] = []
        let primary = layout.processing + "/" + g.primary
        let described: (sha256: String, bytes: Int)
        do {
            described = try SourceDescription.of(primary)
        } catch {
            failGroupUnread(g, error: "\(g.primary): cannot read: \(error)")
            return
        }
        switch g.kind {
        case .media:
            // The sample is the media file with its text: its key covers the sidecars too, so
            // the same image with another caption is another sample.
            var stateKey = described.sha256
            let sidecars = g.files.dropFirst()
            if !sidecars.isEmpty {
                var parts = ["media:" + described.sha256]
                for f in sidecars {
                    guard let d = try? SourceDescription.of(layout.processing + "/" + f) else {
                        failGroupUnread(g, error: "\(f): cannot read")
                        return
                    }
                    parts.append(((f as NSString).pathExtension.lowercased()) + ":" + d.sha256)
                }
                stateKey = SHA256.hex(Array(parts.joined(separator: "\n").utf8))
            }
            let stem = (primary as NSString).deletingPathExtension
            let caption = g.files.contains { $0.lowercased().hasSuffix(".txt") } ? stem + ".txt" : nil
            let messages = g.files.contains { $0.lowercased().hasSuffix(".json") } ? stem + ".json" : nil
            let source = SampleSource(key: Self.key(g.primary, described.sha256),
                                      origin: .media(path: primary, caption: caption, messages: messages))
            units.append((WorkUnit(stateKey: stateKey, name: g.primary, source: source, group: g), described.bytes))
        case .manifest:
            let walked: InputWalker.Result
            do {
                walked = try InputWalker().walk([primary])
            } catch {
                failGroupUnread(g, error: "\(error)")
                return
            }
            for s in walked.sources {
                guard case .manifestRecord(_, let line, let text, _) = s.origin else { continue }
                let source = SampleSource(key: s.key + "-" + described.sha256.prefix(12), origin: s.origin)
                units.append((WorkUnit(stateKey: "\(described.sha256):\(line)", name: "\(g.primary):\(line)",
                                       source: source, group: g), text.utf8.count))
            }
            for p in walked.problems {
                let line = p.path.split(separator: ":").last.map(String.init) ?? "0"
                problems.append(("\(g.primary):\(line)", "\(described.sha256):\(line)", p.message, p.reason))
            }
            if walked.sources.isEmpty && walked.problems.isEmpty {
                problems.append(("\(g.primary):0", "\(described.sha256):0", "the manifest holds no record", "no-media"))
            }
        }
        g.pending = units.count + problems.count
        for p in problems {
            _ = try? store.claim(sha256: p.stateKey, name: p.name, bytes: 0)
            unitFailed(name: p.name, stateKey: p.stateKey, group: g, stage: "input", error: p.error, reason: p.reason)
        }
        for (u, bytes) in units {
            let state: StateStore.InputState?
            do {
                state = try store.claim(sha256: u.stateKey, name: u.name, bytes: bytes)
            } catch {
                logger.error("cannot record claim; left in processing/ for the next start",
                             metadata: ["file": "\(u.name)", "error": "\(error)"])
                continue
            }
            switch state {
            case .done?, .duplicate?:
                if !recovering {
                    try? store.recordDuplicate(sha256: u.stateKey, name: u.name)
                    metrics.duplicates += 1
                    logger.info("duplicate content; not processed again", metadata: ["file": "\(u.name)"])
                }
                unitFinished(u.group, ok: true)
            case .failed?:
                if recovering {
                    unitFinished(u.group, ok: false)
                } else {
                    unitFailed(u, stage: "input", error: "the same content failed before", reason: "failed-before")
                }
            case .processing?, nil:
                if inFlight.contains(u.stateKey) {
                    // The same content is queued or in the open shard already (two copies
                    // dropped together): it waits for that one's outcome.
                    twins[u.stateKey, default: []].append(u)
                } else if let n = crashes[u.stateKey], n >= pipeline.watch.maxCrashes {
                    unitFailed(u, stage: "decode", error: "crashed decoder: the process died \(n) times while "
                               + "decoding \(u.name) (watch.max_crashes = \(pipeline.watch.maxCrashes))", reason: "crashed")
                } else {
                    queue.append(u)
                    inFlight.insert(u.stateKey)
                }
            }
        }
    }

    /// The group's primary file cannot be read (permissions, I/O): the whole group fails.
    func failGroupUnread(_ g: ClaimedGroup, error: String) {
        moveFiles(g.files, from: layout.processing, to: layout.failed)
        writeReport(for: g.primary, stage: "input", error: error, attempts: 1,
                    reason: error.contains(String(cString: strerror(EACCES))) ? "permission" : "io")
        try? store.finishClaim(id: g.id)
        metrics.failures["input", default: 0] += 1
        failedTotal += 1
        logger.error("input failed", metadata: ["file": "\(g.primary)", "stage": "input", "error": "\(error)"])
    }

    // MARK: moving files

    /// rename(2) from one root to another, creating folders. False (and logged) on failure.
    @discardableResult
    func moveFile(_ rel: String, from: String, to: String) -> Bool {
        let target = to + "/" + rel
        try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        if Glibc.rename(from + "/" + rel, target) == 0 { return true }
        let e = errno
        if e != ENOENT {
            logger.error("cannot move file", metadata: ["file": "\(from)/\(rel)", "to": "\(to)",
                                                        "error": "\(String(cString: strerror(e)))"])
        }
        return false
    }

    func moveFiles(_ rels: [String], from: String, to: String) {
        for f in rels { moveFile(f, from: from, to: to) }
    }
}
