#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public struct FileWriteError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let call: String
    public let message: String
    public var description: String { "\(file): \(call): \(message)" }
}

/// Writes a file so that its final name only ever holds complete contents.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(tmp, "open") }
        do throws(FileWriteError) {
            try writeAll(fd, bytes, path: tmp)
        } catch {
            close(fd); unlink(tmp)
            throw error
        }
        if fsync(fd) != 0 { let e = error(tmp, "fsync"); close(fd); unlink(tmp); throw e }
        if close(fd) != 0 { let e = error(tmp, "close"); unlink(tmp); throw e }
        if rename(tmp, path) != 0 { let e = error(path, "rename"); unlink(tmp); throw e }
        syncFolder(of: path)
    }

    /// fsync of the folder holding `path`, so that a rename in it is durable.
    static func syncFolder(of path: String) {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Writes all of `bytes` to `fd`, at `offset` (pwrite) or at the file position, going on
    /// after short writes and EINTR; an error names `path`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil,
                         path: String) throws(FileWriteError) {
        var done = 0
        while done < bytes.count {
            let p = bytes.baseAddress! + done, left = bytes.count - done
            let n = offset.map { pwrite(fd, p, left, off_t($0 + done)) } ?? Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw error(path, "write")
            }
            done += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int? = nil, path: String) throws(FileWriteError) {
        let failure = bytes.withUnsafeBytes { (raw) -> FileWriteError? in
            do throws(FileWriteError) { try writeAll(fd, raw, at: offset, path: path); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    static func error(_ file: String, _ call: String) -> FileWriteError {
        FileWriteError(file: file, call: call, message: String(cString: strerror(errno)))
    }
}
