#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files with plain POSIX calls, refusing anything that is not a regular file.
enum FileBytes {
    /// Opens a path that must be a non-empty regular file (no symlink at the last component);
    /// returns the descriptor and its size. O_NONBLOCK keeps a fifo from blocking the open (it is
    /// then refused as not regular); it has no effect on reading a regular file.
    static func openRegular(_ path: String) throws(DecodeError) -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP {
                throw DecodeError(file: path, reason: .notRegular, call: "open",
                                  message: "a symbolic link, not a regular file; refused", code: e)
            }
            throw DecodeError(file: path, reason: .io, call: "open", message: String(cString: strerror(e)), code: e)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw DecodeError(file: path, reason: .io, call: "fstat", message: String(cString: strerror(e)), code: e)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            let kind = switch st.st_mode & S_IFMT {
            case S_IFDIR: "a directory"
            case S_IFIFO: "a fifo"
            case S_IFCHR, S_IFBLK: "a device"
            case S_IFSOCK: "a socket"
            default: "not a regular file"
            }
            throw DecodeError(file: path, reason: .notRegular, call: "fstat",
                              message: "\(kind), not a regular file; refused")
        }
        guard st.st_size > 0 else {
            close(fd)
            throw DecodeError(file: path, reason: .corrupt, call: "fstat", message: "the file is empty")
        }
        return (fd, Int(st.st_size))
    }

    static func read(_ path: String, maxBytes: Int) throws(DecodeError) -> [UInt8] {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        guard size <= maxBytes else {
            throw DecodeError(file: path, reason: .limitExceeded, call: "fstat",
                              message: "the file has \(size) bytes, above the limit of \(maxBytes)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buf in
                Glibc.read(fd, buf.baseAddress! + done, size - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw DecodeError(file: path, reason: .io, call: "read", message: String(cString: strerror(errno)),
                                  code: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }

    /// The first `count` bytes of a file (fewer if it is shorter).
    static func head(_ path: String, count: Int) throws(DecodeError) -> [UInt8] {
        let (fd, _) = try openRegular(path)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, count) }
        guard n >= 0 else {
            throw DecodeError(file: path, reason: .io, call: "read", message: String(cString: strerror(errno)),
                              code: errno)
        }
        return Array(bytes.prefix(n))
    }
}
