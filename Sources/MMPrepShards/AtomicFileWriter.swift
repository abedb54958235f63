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
        try writeAll(bytes)
        hasher.update(bytes)
        bytesWritten += bytes.count
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.error(tmp, "write")
            }
            done += n
        }
    }

    /// Size of the windows `append(contentsOf:)` maps.
    static let window = 8 << 20

    /// Appends another file's contents. The source is mapped read-only in 8 MiB windows: each
    /// window is hashed and written straight from the page cache (no read into a buffer, so
    /// the bytes are copied once, not twice). With `discardingSource` the source is consumed:
    /// each window, once written, is punched out of it, so the page cache holds the bytes once
    /// rather than twice while a large file is copied (the source is left full of holes and
    /// must only be removed afterwards).
    public func append(contentsOf source: String, discardingSource: Bool = false) throws(FileWriteError) {
        let src = open(source, (discardingSource ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard src >= 0 else { throw AtomicFile.error(source, "open") }
        defer { close(src) }
        var info = stat()
        guard fstat(src, &info) == 0 else { throw AtomicFile.error(source, "fstat") }
        let size = Int(info.st_size)
        var offset = 0
        while offset < size {
            let n = min(Self.window, size - offset)
            guard let map = mmap(nil, n, PROT_READ, MAP_SHARED | MAP_POPULATE, src, off_t(offset)),
                  map != MAP_FAILED else { throw AtomicFile.error(source, "mmap") }
            let failure: FileWriteError?
            do throws(FileWriteError) { try write(UnsafeRawBufferPointer(start: map, count: n)); failure = nil } catch { failure = error }
            munmap(map, n)
            if let failure { throw failure }
            if discardingSource { Self.punchHole(src, offset: offset, length: n) }
            offset += n
        }
    }

    /// fallocate(2) is not in Swift's Glibc module; looked up once at run time.
    private typealias FallocateFunction = @convention(c) (Int32, Int32, off_t, off_t) -> Int32
    private static let fallocate: FallocateFunction? = {
        guard let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "fallocate") else { return nil }
        return unsafeBitCast(p, to: FallocateFunction.self)
    }()

    /// Frees a range of a file (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE); best effort, a
    /// file system without holes keeps the bytes.
    private static func punchHole(_ fd: Int32, offset: Int, length: Int) {
        _ = fallocate?(fd, 0x02 | 0x01, off_t(offset), off_t(length))
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
