#if canImport(Glibc)
import Glibc
#endif

/// Reads a file, or a byte range of it, through read-only mappings of at most `window` bytes
/// (straight from the page cache: no read into a buffer). With `discarding` the source is
/// consumed: each window, once handed over, is punched out of it, so that while a large file is
/// copied the page cache holds its bytes once rather than twice (the file is left full of holes
/// and must only be removed afterwards).
enum MappedWindows {
    static let window = 8 << 20
    private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    static func forEach(path: String, range: Range<Int>? = nil, discarding: Bool = false,
                        _ body: (UnsafeRawBufferPointer) throws(FileWriteError) -> Void) throws(FileWriteError) {
        let fd = open(path, (discarding ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFile.error(path, "open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AtomicFile.error(path, "fstat") }
        let size = Int(info.st_size)
        let wanted = range ?? 0..<size
        guard wanted.upperBound <= size else {
            throw FileWriteError(file: path, call: "read", message: "file is \(size) bytes, \(wanted.upperBound) expected")
        }
        var offset = wanted.lowerBound
        while offset < wanted.upperBound {
            // Mappings start on a page; the bytes before `offset` in the first page are skipped.
            let start = offset - offset % page
            let n = min(window - (offset - start), wanted.upperBound - offset)
            let mapped = (offset - start) + n
            guard let map = mmap(nil, mapped, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, off_t(start)),
                  map != MAP_FAILED else { throw AtomicFile.error(path, "mmap") }
            let failure: FileWriteError?
            do throws(FileWriteError) {
                try body(UnsafeRawBufferPointer(start: map + (offset - start), count: n))
                failure = nil
            } catch { failure = error }
            munmap(map, mapped)
            if let failure { throw failure }
            if discarding { punchHole(fd, offset: offset, length: n) }
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
}
