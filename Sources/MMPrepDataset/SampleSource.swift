/// Where one sample comes from, before anything is decoded or parsed.
public struct SampleSource: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// A media file found in a folder, with its same-stem sidecars.
        case media(path: String, caption: String?, messages: String?)
        /// One line of a JSONL manifest (1-based line number) and the folder its paths are relative to.
        case manifestRecord(manifest: String, line: Int, text: String, root: String)
    }

    /// Deterministic, webdataset-safe key (see docs/shard-format.md).
    public var key: String
    public var origin: Origin

    public init(key: String, origin: Origin) {
        self.key = key
        self.origin = origin
    }

    /// The file to name in reports.
    public var displayPath: String {
        switch origin {
        case .media(let path, _, _): path
        case .manifestRecord(let manifest, let line, _, _): "\(manifest):\(line)"
        }
    }
}

public enum SampleKey {
    /// Replaces every character outside `[A-Za-z0-9_/-]` with `_` and trims slashes.
    public static func sanitize(_ raw: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "/": out.unicodeScalars.append(scalar)
            default: out += "_"
            }
        }
        while out.hasPrefix("/") { out.removeFirst() }
        while out.hasSuffix("/") { out.removeLast() }
        return out.isEmpty ? "_" : out
    }

    /// A stable 64-bit FNV-1a hash of the key, for partitioning work between workers.
    public static func partition(_ key: String, count: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int(h % UInt64(max(1, count)))
    }
}
