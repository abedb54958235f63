#if canImport(Glibc)
import Glibc
#endif

/// A sample's pixel bytes, written to a file of their own by the worker that made them, so that
/// the thread committing shards only moves them (`ShardWriter` appends the file into the shard at
/// commit) and the samples waiting in the work queue do not hold their tensors in memory.
///
/// The file is named `NAME.tmp-PID` in the output folder (removed, with any other `.tmp-`
/// file, by the next run's recovery if the process dies); `deinit` removes it, so a sample that
/// is dropped takes its file with it.
public final class SpoolFile: Sendable {
    public let path: String
    public let count: Int

    /// Writes `bytes` to `directory/NAME.tmp-PID` (never fsynced: the shard that takes them is).
    public init(_ bytes: [UInt8], directory: String, name: String) throws(FileWriteError) {
        let path = directory + "/" + name + ".tmp-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.error(path, "open") }
        do throws(FileWriteError) {
            try AtomicFile.writeAll(fd, bytes, path: path)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
        self.path = path
        self.count = bytes.count
    }

    deinit { unlink(path) }

    /// The bytes, read back (for the webdataset writer, which packs each sample in memory).
    public func read() throws(FileWriteError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFile.error(path, "open") }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw n == 0 ? FileWriteError(file: path, call: "read", message: "file is shorter than written")
                                     : AtomicFile.error(path, "read") }
            done += n
        }
        return out
    }
}
