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
        let failure = array.withUnsafeBytes { (raw) -> FileWriteError? in
            do throws(FileWriteError) { try write(raw); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Writes and hashes bytes in memory.
    private func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        try AtomicFile.writeAll(fd, bytes, path: tmp)
        hasher.update(bytes)
        bytesWritten += bytes.count
    }

    /// Size of the windows `append(contentsOf:)` maps.
    static let window = MappedWindows.window

    /// Appends another file's contents, or the byte range `range` of it. The source is mapped
    /// read-only in windows: each window is hashed and written straight from the page cache (no
    /// read into a buffer, so the bytes are copied once, not twice). With `discardingSource` the
    /// source is consumed as it is copied (see `MappedWindows`) and must only be removed afterwards.
    public func append(contentsOf source: String, range: Range<Int>? = nil,
                       discardingSource: Bool = false) throws(FileWriteError) {
        try MappedWindows.forEach(path: source, range: range, discarding: discardingSource) { (window) throws(FileWriteError) in
            try write(window)
        }
    }

    /// fsync, rename into place, fsync the folder. Returns the sha256 of what was written.
    public func commit() throws(FileWriteError) -> String {
        if fsync(fd) != 0 { throw AtomicFile.error(tmp, "fsync") }
        if close(fd) != 0 { fd = -1; unlink(tmp); throw AtomicFile.error(tmp, "close") }
        fd = -1
        if rename(tmp, path) != 0 { let e = AtomicFile.error(path, "rename"); unlink(tmp); throw e }
        AtomicFile.syncFolder(of: path)
        return hasher.finalizeHex()
    }
}
