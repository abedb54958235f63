import Foundation
import MMPrepShards

/// A file a sample was made from, as recorded in the shard records: path, size and sha256.
public struct SourceFile: Sendable {
    public var path: String
    public var bytes: Int
    public var sha256: String

    /// Hashes the file in 1 MiB reads.
    public static func describe(_ path: String) throws -> SourceFile {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConvertError("\(path): cannot open to hash")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(chunk)
        }
        return SourceFile(path: path, bytes: total,
                          sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    var json: String {
        JSONText.object([("path", JSONText.string(path)), ("bytes", String(bytes)), ("sha256", JSONText.string(sha256))])
    }
}
