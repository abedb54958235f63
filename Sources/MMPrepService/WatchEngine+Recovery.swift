#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepDataset
import MMPrepShards

/// Start-up after any kind of exit: stale output discarded, crashes counted, interrupted claims
/// completed, and every group still in processing/ queued again.
extension WatchEngine {
    func recover() throws {
        committed = try store.committedShards()
        removeStaleOutput()
        writer = ShardWriter(directory: layout.output, settings: Self.shardSettings(pipeline), nextIndex: committed.count)
        if indexDirtyAfterCrash() { writeIndex() }
        let crashes = try store.countCrashes()
        if !crashes.isEmpty {
            logger.warning("the last run died while decoding", metadata: ["inputs": "\(crashes.count)"])
        }
        var inGroups = Set<String>()
        for claim in try store.openClaims() {
            // A claim interrupted between its renames is completed: a group is never split.
            var files: [String] = []
            for f in claim.files {
                if FileManager.default.fileExists(atPath: layout.processing + "/" + f)
                    || moveFile(f, from: layout.inbox, to: layout.processing) {
                    files.append(f)
                }
            }
            inGroups.formUnion(files)
            guard files.first == claim.files.first, let kind = ClaimedGroup.Kind(rawValue: claim.kind) else {
                if !files.isEmpty { moveFiles(files, from: layout.processing, to: layout.failed) }
                try store.finishClaim(id: claim.id)
                continue
            }
            if files != claim.files { try store.updateClaim(id: claim.id, files: files) }
            enqueue(ClaimedGroup(id: claim.id, kind: kind, files: files), recovering: true, crashes: crashes)
        }
        // Files in processing/ outside any claim (left by an older version): media files are
        // claimed again with their sidecars, anything else fails.
        let loose = Self.files(under: layout.processing).filter { !inGroups.contains($0) }
        let looseSet = Set(loose)
        var taken = Set<String>()
        for rel in loose where InputWalker.isMedia(rel) {
            let stem = (rel as NSString).deletingPathExtension
            let files = [rel] + [stem + ".txt", stem + ".json"].filter(looseSet.contains)
            taken.formUnion(files)
            let id = try store.recordClaim(kind: ClaimedGroup.Kind.media.rawValue, files: files)
            enqueue(ClaimedGroup(id: id, kind: .media, files: files), recovering: true, crashes: crashes)
        }
        for rel in loose where !taken.contains(rel) {
            moveFile(rel, from: layout.processing, to: layout.failed)
            writeReport(for: rel, stage: "input", error: "\(rel): found in processing/ without its group", attempts: 1)
        }
        if !queue.isEmpty { logger.notice("re-running inputs left in processing/", metadata: ["count": "\(queue.count)"]) }
    }

    /// The index lists fewer shards than the store: the last run died between the two.
    func indexDirtyAfterCrash() -> Bool {
        guard let data = FileManager.default.contents(atPath: layout.output + "/index.json") else { return !committed.isEmpty }
        let text = String(decoding: data, as: UTF8.self)
        return committed.contains { !text.contains("\"\($0.name)\"") }
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
}
