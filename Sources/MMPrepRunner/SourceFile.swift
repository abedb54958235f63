#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepShards

/// A file a sample was made from, as recorded in the shard records: path, size and sha256.
public struct SourceFile: Sendable {
    public var path: String
    public var bytes: Int
    public var sha256: String

    /// Hashes the file in 4 MiB reads. The error names the file and the system's reason.
    public static func describe(_ path: String) throws -> SourceFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConvertError("\(path): cannot open to hash: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var hasher = SHA256()
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConvertError("\(path): cannot read to hash: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            total += n
            buffer.withUnsafeBufferPointer { hasher.update(UnsafeBufferPointer(rebasing: $0[..<n])) }
        }
        return SourceFile(path: path, bytes: total,
                          sha256: hasher.finalizeHex())
    }

    var json: String {
        JSONText.object([("path", JSONText.string(path)), ("bytes", String(bytes)), ("sha256", JSONText.string(sha256))])
    }
}
