#if canImport(Glibc)
import Glibc
#endif

/// The safetensors file of an open shard, written in place: tensor bytes go straight to their
/// final position as samples arrive, after room kept for the header, which is written last (so
/// the pixels are written once, not to a scratch file and then copied). Like `AtomicFileWriter`
/// it is a temporary file beside the target until `commit` fsyncs it and renames it into place;
/// `deinit` removes an uncommitted file.
final class ShardFile {
    /// Room kept for the header: the tensor data starts here, page-aligned. A header that does
    /// not fit (tens of thousands of keys) makes the commit copy the data after an exact header.
    static let headerRoom = 64 << 10

    let path: String
    let tmp: String
    private var fd: Int32
    /// Bytes of tensor data written so far, from `headerRoom` on.
    private(set) var dataCount = 0

    init(path: String) throws(FileWriteError) {
        self.path = path
        tmp = path + ".inplace.tmp-\(getpid())"
        fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.error(tmp, "open") }
        // The header's room is written now (spaces), not left a hole: writing the header at
        // commit then overwrites space already held, so a disk that fills up meanwhile (with the
        // next shard) cannot fail the commit of this one.
        try AtomicFile.writeAll(fd, [UInt8](repeating: 0x20, count: Self.headerRoom), at: 0, path: tmp)
    }

    deinit { discard() }

    /// Removes the file (after a commit that copied its data elsewhere, or on failure).
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
            unlink(tmp)
        }
    }

    var size: Int { Self.headerRoom + dataCount }

    func append(_ bytes: [UInt8]) throws(FileWriteError) {
        try AtomicFile.writeAll(fd, bytes, at: size, path: tmp)
        dataCount += bytes.count
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        try AtomicFile.writeAll(fd, bytes, at: size, path: tmp)
        dataCount += bytes.count
    }

    /// Appends another file's contents, consuming it as it goes when `discardingSource`.
    func append(contentsOf source: String, discardingSource: Bool) throws(FileWriteError) {
        try MappedWindows.forEach(path: source, discarding: discardingSource) { (window) throws(FileWriteError) in
            try append(window)
        }
    }

    /// Writes `header` (exactly `headerRoom` bytes) at the start, fsyncs, hashes the file (the
    /// data straight from the page cache), renames it into place and fsyncs the folder.
    /// Returns the sha256 of the file.
    func commit(header: [UInt8]) throws(FileWriteError) -> String {
        precondition(header.count == Self.headerRoom, "the header must fill the room kept for it")
        try AtomicFile.writeAll(fd, header, at: 0, path: tmp)
        if fsync(fd) != 0 { throw AtomicFile.error(tmp, "fsync") }
        var hasher = SHA256()
        hasher.update(header)
        if dataCount > 0 {
            try MappedWindows.forEach(path: tmp, range: Self.headerRoom..<size) { hasher.update($0) }
        }
        if close(fd) != 0 { fd = -1; unlink(tmp); throw AtomicFile.error(tmp, "close") }
        fd = -1
        if rename(tmp, path) != 0 { let e = AtomicFile.error(path, "rename"); unlink(tmp); throw e }
        AtomicFile.syncFolder(of: path)
        return hasher.finalizeHex()
    }
}
