#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole regular file with plain POSIX calls: no symlink at the last component, no fifo
/// (the open does not block), at most `maxBytes`.
public enum BoundedFile {
    public static func read(_ path: String, maxBytes: Int, what: String = "file") throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw InputError(file: path, message: "\(what) is a symbolic link; refused", reason: "not-regular") }
            throw InputError(file: path, message: "open: \(String(cString: strerror(e)))", reason: "io")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw InputError(file: path, message: "fstat: \(String(cString: strerror(errno)))", reason: "io")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw InputError(file: path, message: "\(what) is not a regular file; refused", reason: "not-regular")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw InputError(file: path, message: "\(what) is \(st.st_size) bytes, above the limit of \(maxBytes)",
                             reason: "too-large")
        }
        // One byte more than the size tells a file that grew after fstat.
        var bytes = [UInt8](repeating: 0, count: min(Int(st.st_size), maxBytes) + 1)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(file: path, message: "read: \(String(cString: strerror(errno)))", reason: "io")
            }
            if n == 0 { break }
            done += n
        }
        guard done <= maxBytes else {
            throw InputError(file: path, message: "\(what) grew above the limit of \(maxBytes) bytes while being read",
                             reason: "too-large")
        }
        bytes.removeSubrange(done...)
        return bytes
    }
}
