import ArgumentParser
import Foundation
import MMPrepShards

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a dataset folder or one shard: samples, rows, dtype, per-sample grids and text.")

    @Argument(help: "A dataset folder, a .safetensors shard or a .tar shard.")
    var path: String

    @Option(help: "Characters of text to preview per sample.")
    var textChars: Int = 100

    func run() throws {
        do {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw SafetensorsError(file: path, message: "no such file or folder")
            }
            if isDir.boolValue { try dataset() } else if path.hasSuffix(".tar") { try tar() } else { try shard(path) }
        } catch {
            throw fail(error)
        }
    }

    func dataset() throws {
        guard let data = FileManager.default.contents(atPath: path + "/index.json"),
              let index = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SafetensorsError(file: path + "/index.json", message: "missing or not JSON (is the run finished?)")
        }
        let shards = index["shards"] as? [[String: Any]] ?? []
        let pipeline = index["pipeline"] as? [String: Any] ?? [:]
        let output = pipeline["output"] as? [String: Any] ?? [:]
        let counts = index["counts"] as? [String: Any] ?? [:]
        let samples = shards.reduce(0) { $0 + ($1["samples"] as? Int ?? 0) }
        let rows = shards.reduce(0) { $0 + ($1["rows"] as? Int ?? 0) }
        let bytes = shards.reduce(0) { $0 + ($1["bytes"] as? Int ?? 0) }
        print("dataset: \(path)")
        print("  pipeline: \(pipeline["name"] ?? "?") (\(pipeline["family"] ?? "?")), dtype \(output["dtype"] ?? "?"), format \(output["format"] ?? "?")")
        print("  shards: \(shards.count), samples: \(samples), rows: \(rows), bytes: \(bytes)")
        print("  counts: ok \(counts["ok"] ?? 0), failed \(counts["failed"] ?? 0), skipped \(counts["skipped"] ?? 0)")
        for s in shards {
            print("  \(s["name"] ?? "?"): \(s["samples"] ?? 0) samples, \(s["rows"] ?? 0) rows, \(s["bytes"] ?? 0) bytes")
        }
    }

    /// The text with newlines shown as \n and runs of one vision token collapsed (`<|image_pad|>*345`).
    func preview(_ text: String) -> String {
        var flat = text.replacingOccurrences(of: "\n", with: "\\n")
        for token in ["<|image_pad|>", "<|video_pad|>"] {
            while let r = flat.range(of: token + token) {
                var end = r.lowerBound
                var count = 0
                while flat[end...].hasPrefix(token) {
                    end = flat.index(end, offsetBy: token.count)
                    count += 1
                }
                flat.replaceSubrange(r.lowerBound..<end, with: "\(token)*\(count)")
            }
        }
        return flat.count > textChars ? String(flat.prefix(textChars)) + "..." : flat
    }

    func describe(record: [String: Any]) -> String {
        let images = (record["images"] as? [[String: Any]] ?? []).map { "image \($0["grid_thw"] ?? "?")" }
        let videos = (record["videos"] as? [[String: Any]] ?? []).map {
            "video \($0["grid_thw"] ?? "?") frames \(($0["frame_indices"] as? [Int])?.count ?? 0)"
        }
        return "\(record["key"] ?? "?"): " + (images + videos).joined(separator: ", ")
            + "\n      text: " + preview(record["text"] as? String ?? "")
    }

    func shard(_ file: String) throws {
        let header = try SafetensorsHeader.read(file)
        print("shard: \(file)")
        for e in header.entries { print("  \(e.name): \(e.dtype) \(e.shape)") }
        for key in header.metadata.keys.sorted() where key != "keys" { print("  \(key): \(header.metadata[key]!)") }
        let records = (file as NSString).deletingPathExtension + ".jsonl"
        guard let data = FileManager.default.contents(atPath: records) else { return }
        print("  samples:")
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let r = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] {
                print("    " + describe(record: r))
            }
        }
    }

    func tar() throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafetensorsError(file: path, message: "cannot read")
        }
        print("shard: \(path)")
        for (name, contents) in TarReader.entries(Array(data)) where name.hasSuffix(".json") {
            if let r = try JSONSerialization.jsonObject(with: Data(contents)) as? [String: Any] {
                print("    " + describe(record: r))
            }
        }
    }
}
