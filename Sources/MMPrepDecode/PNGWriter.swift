import CPNG
import MMPrepCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes 8-bit RGB PNGs through libpng. The file appears under its final name only when
/// complete: it is written to a temporary name in the same folder, fsynced, then renamed.
public enum PNGWriter {
    public static func write(_ image: RGBImage, to path: String) throws(DecodeError) {
        guard image.width > 0, image.height > 0 else {
            throw DecodeError(file: path, reason: .io, call: "png_write", message: "image is \(image.width)x\(image.height)")
        }
        guard image.width <= (1 << 30) / 3, image.height <= 1 << 30 else {
            throw DecodeError(file: path, reason: .limitExceeded, call: "png_write",
                              message: "image is \(image.width)x\(image.height), too large for a PNG row")
        }
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tmp = (slash == nil ? "" : dir + "/") + "." + base + ".tmp-\(getpid())"
        var message = [CChar](repeating: 0, count: 256)
        errno = 0
        let status = image.pixels.withUnsafeBufferPointer { px in
            mm_png_write_rgb(tmp, px.baseAddress, UInt32(image.width), UInt32(image.height), &message, message.count)
        }
        let writeErrno = errno
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fromOS = text.hasPrefix("cannot open") || text.hasPrefix("close failed")
            let reason = fromOS && writeErrno != 0 ? text + ": " + String(cString: strerror(writeErrno)) : text
            unlink(tmp)
            throw DecodeError(file: path, reason: .io, call: "png_write", message: reason)
        }
        let fd = open(tmp, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            let synced = fsync(fd) == 0
            let err = errno
            close(fd)
            if !synced {
                unlink(tmp)
                throw DecodeError(file: path, reason: .io, call: "fsync", message: String(cString: strerror(err)))
            }
        }
        guard rename(tmp, path) == 0 else {
            let err = errno
            unlink(tmp)
            throw DecodeError(file: path, reason: .io, call: "rename", message: String(cString: strerror(err)))
        }
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
