import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams a file to a temporary name beside its target and renames it into place on
/// `commit()`, after an fsync (and an fsync of the folder). Until then the final name never
/// holds partial contents; `deinit` removes an uncommitted temporary file.
public final class AtomicFileWriter {
    public let path: String
    let tmp: String
    private var fd: Int32
    private var hasher = SHA256()
    public private(set) var bytesWritten = 0

    public init(path: String) throws(FileWriteError) {
        self.path = path
        self.tmp = path + ".tmp-\(getpid())"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.error(tmp, "open") }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(tmp)
        }
    }

    public func write(_ bytes: some Collection<UInt8>) throws(FileWriteError) {
        let array = Array(bytes)
        var done = 0
        while done < array.count {
            let n = array.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, array.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.error(tmp, "write")
            }
            done += n
        }
        hasher.update(array)
        bytesWritten += array.count
    }

    /// Copies another file's contents in 4 MiB pieces.
    public func append(contentsOf source: String) throws(FileWriteError) {
        let src = open(source, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw AtomicFile.error(source, "open") }
        defer { close(src) }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(src, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.error(source, "read")
            }
            if n == 0 { break }
            try write(buffer[0..<n])
        }
    }

    /// fsync, rename into place, fsync the folder. Returns the sha256 of what was written.
    public func commit() throws(FileWriteError) -> String {
        if fsync(fd) != 0 { throw AtomicFile.error(tmp, "fsync") }
        if close(fd) != 0 { fd = -1; unlink(tmp); throw AtomicFile.error(tmp, "close") }
        fd = -1
        if rename(tmp, path) != 0 { let e = AtomicFile.error(path, "rename"); unlink(tmp); throw e }
        AtomicFile.syncFolder(of: path)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
