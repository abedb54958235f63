import ArgumentParser
import Foundation
import MMPrepShards

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the outputs of several workers into one dataset index, without copying tensors.")

    @Argument(help: "Worker output folders (each with its index.json).")
    var parts: [String]

    @Option(name: [.short, .long], help: "Folder for the merged index.json (shard names become relative paths).")
    var output: String

    @Flag(help: "Merge even if some worker slots are missing.")
    var allowPartial = false

    func run() throws {
        do {
            try DatasetMerge(parts: parts, output: output, allowPartial: allowPartial).run()
        } catch {
            throw fail(error)
        }
    }
}

/// Builds a merged `index.json` that points at the workers' shards.
struct DatasetMerge {
    let parts: [String]
    let output: String
    let allowPartial: Bool

    struct MergeError: Error, CustomStringConvertible {
        let description: String
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let outReal = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath()
        var shards: [String] = []
        var counts = (ok: 0, failed: 0, skipped: 0)
        var pipeline: String?
        var versions: String?
        var slots: [Int: String] = [:]
        var workerCount: Int?
        var partPaths: [String] = []
        for part in parts {
            let indexPath = part + "/index.json"
            guard let data = FileManager.default.contents(atPath: indexPath),
                  let index = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw MergeError(description: "\(indexPath): missing or not JSON (has that worker finished?)")
            }
            guard index["format"] as? String == "mmprep-dataset", index["parts"] == nil else {
                throw MergeError(description: "\(indexPath): not a worker's dataset index")
            }
            let p = JSONText.compact(index["pipeline"] ?? NSNull())
            if let pipeline, pipeline != p {
                throw MergeError(description: "\(indexPath): made with a different pipeline than \(parts[0])")
            }
            pipeline = p
            versions = versions ?? JSONText.compact(index["versions"] ?? NSNull())
            let worker = index["worker"] as? [String: Any]
            let wi = worker?["index"] as? Int ?? 0, wc = worker?["count"] as? Int ?? 1
            if let workerCount, workerCount != wc {
                throw MergeError(description: "\(indexPath): worker count \(wc) differs from \(workerCount)")
            }
            workerCount = wc
            if let other = slots[wi] { throw MergeError(description: "\(part) and \(other) are both worker \(wi)") }
            slots[wi] = part
            let partReal = URL(fileURLWithPath: part).standardizedFileURL.resolvingSymlinksInPath()
            let rel = Self.relativePath(from: outReal, to: partReal)
            partPaths.append(rel)
            for s in index["shards"] as? [[String: Any]] ?? [] {
                var s = s
                for key in ["name", "records"] {
                    if let n = s[key] as? String { s[key] = rel == "." ? n : rel + "/" + n }
                }
                shards.append(JSONText.compact(s))
            }
            let c = index["counts"] as? [String: Any] ?? [:]
            counts.ok += c["ok"] as? Int ?? 0
            counts.failed += c["failed"] as? Int ?? 0
            counts.skipped += c["skipped"] as? Int ?? 0
        }
        let missing = (0..<(workerCount ?? 1)).filter { slots[$0] == nil }
        if !missing.isEmpty && !allowPartial {
            throw MergeError(description: "workers \(missing.map(String.init).joined(separator: ", ")) of \(workerCount ?? 1) are missing (use --allow-partial)")
        }
        let index = JSONText.object([
            ("format", JSONText.string("mmprep-dataset")),
            ("version", "1"),
            ("shards", "[" + shards.joined(separator: ",") + "]"),
            ("pipeline", pipeline ?? "null"),
            ("versions", versions ?? "null"),
            ("counts", JSONText.object([("ok", String(counts.ok)), ("failed", String(counts.failed)),
                                        ("skipped", String(counts.skipped))])),
            ("parts", JSONText.array(partPaths)),
        ])
        try AtomicFile.write(Array((index + "\n").utf8), to: output + "/index.json")
        print("merge: \(parts.count) parts, \(shards.count) shards, \(counts.ok) samples -> \(output)/index.json")
    }

    static func relativePath(from base: URL, to target: URL) -> String {
        let b = base.pathComponents, t = target.pathComponents
        var i = 0
        while i < b.count && i < t.count && b[i] == t[i] { i += 1 }
        let up = Array(repeating: "..", count: b.count - i)
        let rest = Array(t[i...])
        let parts = up + rest
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
