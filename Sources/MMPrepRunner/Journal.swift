#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepShards

/// The resume state of a conversion in `DIR/.mmprep/journal.jsonl`: the job's identity, then
/// one fsynced line per committed shard (with the failures before it and the next ordinal to
/// process), then `done`.
final class Journal {
    let path: String
    let directory: String
    private(set) var shards: [CommittedShard] = []
    private(set) var failures: [SampleFailure] = []
    private(set) var nextOrdinal = 0
    private(set) var okCount = 0
    private(set) var isComplete = false

    init(directory: String, identity: String) throws {
        self.directory = directory
        let stateDir = directory + "/.mmprep"
        do {
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        } catch {
            throw ConvertError("\(directory): cannot write the output folder: \(error.localizedDescription)")
        }
        guard access(stateDir, W_OK) == 0 else {
            throw ConvertError("\(directory): the output folder is not writable: \(String(cString: strerror(errno)))")
        }
        path = stateDir + "/journal.jsonl"
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            try load(data, identity: identity)
        } else {
            if FileManager.default.fileExists(atPath: directory + "/index.json") {
                throw ConvertError("\(directory) already holds a dataset made by another run; use an empty folder")
            }
            try append("{\"job\":\(JSONText.string(identity))}")
        }
        try removeStrayFiles()
    }

    private func load(_ data: Data, identity: String) throws {
        let lines = data.split(separator: UInt8(ascii: "\n"))
        guard let first = lines.first,
              let head = try? JSONSerialization.jsonObject(with: Data(first)) as? [String: Any],
              let job = head["job"] as? String else {
            throw ConvertError("\(path): not an mmprep journal")
        }
        guard job == identity else {
            throw ConvertError("\(directory) holds a different job (other inputs, pipeline or worker slot); "
                               + "use a new output folder or remove it")
        }
        for line in lines.dropFirst() {
            // A torn last line (crash while appending) is ignored: its shard is redone.
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if obj["done"] as? Bool == true { isComplete = true; continue }
            if let s = obj["shard"] as? [String: Any] {
                let shard = CommittedShard(name: s["name"] as? String ?? "", samples: s["samples"] as? Int ?? 0,
                                           rows: s["rows"] as? Int ?? 0, bytes: s["bytes"] as? Int ?? 0,
                                           sha256: s["sha256"] as? String ?? "", records: s["records"] as? String,
                                           recordsSHA256: s["records_sha256"] as? String, keys: s["keys"] as? [String] ?? [])
                guard shardIsIntact(shard) else { break }
                shards.append(shard)
            }
            for f in obj["failures"] as? [[String: Any]] ?? [] {
                failures.append(SampleFailure(key: f["key"] as? String ?? "", path: f["path"] as? String ?? "",
                                              stage: SampleFailure.Stage(rawValue: f["stage"] as? String ?? "") ?? .input,
                                              error: f["error"] as? String ?? "", reason: f["reason"] as? String ?? ""))
            }
            nextOrdinal = obj["next"] as? Int ?? nextOrdinal
            okCount = obj["ok"] as? Int ?? okCount
        }
    }

    /// A committed shard is intact when its files exist with the recorded size.
    private func shardIsIntact(_ shard: CommittedShard) -> Bool {
        let attrs = try? FileManager.default.attributesOfItem(atPath: directory + "/" + shard.name)
        return (attrs?[.size] as? Int) == shard.bytes
    }

    /// Temporary files and shards past the last committed one are leftovers of an interrupted run.
    private func removeStrayFiles() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let kept = Set(shards.flatMap { [$0.name] + ($0.records.map { [$0] } ?? []) })
        for name in names where name.contains(".tmp-") || (name.hasPrefix("shard-") && !kept.contains(name)) {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// Records a committed shard (or just progress), with the failures before `next`.
    func commit(shard: CommittedShard?, next: Int, failures newFailures: [SampleFailure], okAfter: Int) throws {
        var fields: [(String, String)] = []
        if let shard {
            fields.append(("shard", String(shard.json.dropLast()) + ",\"keys\":" + JSONText.array(shard.keys) + "}"))
            shards.append(shard)
        }
        fields.append(("next", String(next)))
        fields.append(("ok", String(okAfter)))
        fields.append(("failures", "[" + newFailures.map {
            JSONText.object([("key", JSONText.string($0.key)), ("path", JSONText.string($0.path)),
                             ("stage", JSONText.string($0.stage.rawValue)), ("reason", JSONText.string($0.reason)),
                             ("error", JSONText.string($0.error))])
        }.joined(separator: ",") + "]"))
        try append(JSONText.object(fields))
        failures += newFailures
        nextOrdinal = next
        okCount = okAfter
    }

    func markComplete() throws {
        try append("{\"done\":true}")
        isComplete = true
    }

    private func append(_ line: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConvertError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, bytes.count) }
        guard n == bytes.count, fsync(fd) == 0 else {
            throw ConvertError("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
