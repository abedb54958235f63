import Foundation
import MMPrepDataset
import MMPrepShards

/// The messages between mmprep and a decoding child (`decode.isolation: process`): a request is
/// one sample source as JSON; a reply is the built sample (JSON for everything but the tensors,
/// then the tensor bytes raw) or the failure. Each message is framed by its length (8 bytes,
/// little-endian).
enum SampleWire {
    struct Malformed: Error, CustomStringConvertible {
        var what: String
        var description: String { "malformed message from the decoding process: \(what)" }
    }

    // MARK: requests

    static func request(_ s: SampleSource) -> [UInt8] {
        let origin: String
        switch s.origin {
        case .media(let path, let caption, let messages):
            origin = JSONText.object([("media", JSONText.string(path)),
                                      ("caption", caption.map(JSONText.string) ?? "null"),
                                      ("messages", messages.map(JSONText.string) ?? "null")])
        case .manifestRecord(let manifest, let line, let text, let root):
            origin = JSONText.object([("manifest", JSONText.string(manifest)), ("line", String(line)),
                                      ("text", JSONText.string(text)), ("root", JSONText.string(root))])
        }
        return Array(JSONText.object([("key", JSONText.string(s.key)), ("origin", origin)]).utf8)
    }

    static func source(from bytes: [UInt8]) throws -> SampleSource {
        guard let obj = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let key = obj["key"] as? String, let o = obj["origin"] as? [String: Any] else {
            throw Malformed(what: "request")
        }
        if let media = o["media"] as? String {
            return SampleSource(key: key, origin: .media(path: media, caption: o["caption"] as? String,
                                                         messages: o["messages"] as? String))
        }
        guard let manifest = o["manifest"] as? String, let line = o["line"] as? Int, let text = o["text"] as? String,
              let root = o["root"] as? String else { throw Malformed(what: "request origin") }
        return SampleSource(key: key, origin: .manifestRecord(manifest: manifest, line: line, text: text, root: root))
    }

    // MARK: replies

    static func reply(_ r: Result<ShardSample, SampleFailure>) -> [UInt8] {
        switch r {
        case .failure(let f):
            return [UInt8(ascii: "F")] + Array(JSONText.object([
                ("key", JSONText.string(f.key)), ("path", JSONText.string(f.path)),
                ("stage", JSONText.string(f.stage.rawValue)), ("reason", JSONText.string(f.reason)),
                ("error", JSONText.string(f.error)),
            ]).utf8)
        case .success(let s):
            func block(_ b: PatchBlock) -> String {
                JSONText.object([("rows", String(b.rows)), ("columns", String(b.columns)),
                                 ("grid", JSONText.array(b.grid)), ("bytes", String(b.bytes.count))])
            }
            let meta = JSONText.object([
                ("key", JSONText.string(s.key)), ("sources", JSONText.string(s.sourcesJSON)),
                ("messages", JSONText.string(s.messagesJSON)), ("text", JSONText.string(s.text)),
                ("warnings", "[" + s.warnings.map(JSONText.string).joined(separator: ",") + "]"),
                ("images", "[" + s.images.map(block).joined(separator: ",") + "]"),
                ("videos", "[" + s.videos.map { v in
                    JSONText.object([("block", block(v.patches)), ("indices", JSONText.array(v.frameIndices)),
                                     ("timestamps", JSONText.array(v.timestamps.map(bits))),
                                     ("second_per_grid", v.secondPerGrid.map { JSONText.string(bits($0)) } ?? "null")])
                }.joined(separator: ",") + "]"),
            ])
            var out = [UInt8(ascii: "O")]
            let m = Array(meta.utf8)
            out += le(UInt64(m.count)) + m
            out.reserveCapacity(out.count + s.tensorBytes)
            for b in s.images { out += b.bytes }
            for v in s.videos { out += v.patches.bytes }
            return out
        }
    }

    static func result(from bytes: [UInt8]) throws -> Result<ShardSample, SampleFailure> {
        guard let tag = bytes.first else { throw Malformed(what: "empty reply") }
        if tag == UInt8(ascii: "F") {
            guard let o = try JSONSerialization.jsonObject(with: Data(bytes[1...])) as? [String: Any],
                  let stage = (o["stage"] as? String).flatMap(SampleFailure.Stage.init(rawValue:)) else {
                throw Malformed(what: "failure")
            }
            return .failure(SampleFailure(key: o["key"] as? String ?? "", path: o["path"] as? String ?? "",
                                          stage: stage, error: o["error"] as? String ?? "",
                                          reason: o["reason"] as? String ?? ""))
        }
        guard tag == UInt8(ascii: "O"), bytes.count >= 9 else { throw Malformed(what: "reply tag") }
        let metaCount = Int(readLE(bytes, at: 1))
        guard 9 + metaCount <= bytes.count,
              let o = try JSONSerialization.jsonObject(with: Data(bytes[9..<(9 + metaCount)])) as? [String: Any]
        else { throw Malformed(what: "sample") }
        var offset = 9 + metaCount
        func block(_ any: Any?) throws -> PatchBlock {
            guard let b = any as? [String: Any], let rows = b["rows"] as? Int, let columns = b["columns"] as? Int,
                  let grid = b["grid"] as? [Int], let n = b["bytes"] as? Int, n >= 0, offset + n <= bytes.count
            else { throw Malformed(what: "tensor block") }
            defer { offset += n }
            return PatchBlock(bytes: Array(bytes[offset..<(offset + n)]), rows: rows, columns: columns, grid: grid)
        }
        let images = try (o["images"] as? [Any] ?? []).map { try block($0) }
        let videos = try (o["videos"] as? [Any] ?? []).map { any -> VideoBlock in
            guard let v = any as? [String: Any] else { throw Malformed(what: "video") }
            return VideoBlock(patches: try block(v["block"]), frameIndices: v["indices"] as? [Int] ?? [],
                              timestamps: try (v["timestamps"] as? [String] ?? []).map(double),
                              secondPerGrid: try (v["second_per_grid"] as? String).map(double))
        }
        return .success(ShardSample(key: o["key"] as? String ?? "", images: images, videos: videos,
                                    sourcesJSON: o["sources"] as? String ?? "[]",
                                    messagesJSON: o["messages"] as? String ?? "[]", text: o["text"] as? String ?? "",
                                    warnings: o["warnings"] as? [String] ?? []))
    }

    /// Doubles travel as the hex of their bits: exact, whatever the JSON reader does.
    static func bits(_ d: Double) -> String { String(d.bitPattern, radix: 16) }

    static func double(_ s: String) throws -> Double {
        guard let b = UInt64(s, radix: 16) else { throw Malformed(what: "number") }
        return Double(bitPattern: b)
    }

    static func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    static func readLE(_ b: [UInt8], at i: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) }
    }
}
