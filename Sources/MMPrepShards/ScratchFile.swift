#if canImport(Glibc)
import Glibc
#endif

/// A temporary file that is appended to and later copied or removed (never fsynced: its
/// contents only matter until the shard that uses them is committed). The commit consumes it:
/// `AtomicFileWriter.append(contentsOf:discardingSource:)` punches out each piece it has copied.
final class ScratchFile {
    let path: String
    private var fd: Int32

    init(path: String) throws(FileWriteError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AtomicFile.error(path, "open") }
    }

    deinit { remove() }

    func write(_ bytes: [UInt8]) throws(FileWriteError) {
        try AtomicFile.writeAll(fd, bytes, path: path)
    }

    func remove() {
        if fd >= 0 {
            close(fd)
            fd = -1
            unlink(path)
        }
    }
}

/// The rows of one tensor of the open shard, on disk in order: runs of blocks written here by
/// the shard writer (one scratch file per run) and blocks that arrived already spooled by a worker.
final class ScratchTensor {
    enum Segment {
        case own(ScratchFile)
        case spooled(SpoolFile)

        var path: String {
            switch self {
            case .own(let f): f.path
            case .spooled(let f): f.path
            }
        }
    }

    /// `shard-NNNNNN.images`: own scratch files are `BASE-N.tmp-PID`.
    private let base: String
    private(set) var segments: [Segment] = []

    init(base: String) { self.base = base }

    func write(_ bytes: [UInt8]) throws(FileWriteError) {
        let file: ScratchFile
        if case .own(let last)? = segments.last {
            file = last
        } else {
            file = try ScratchFile(path: base + "-\(segments.count).tmp-\(getpid())")
            segments.append(.own(file))
        }
        try file.write(bytes)
    }

    func adopt(_ spool: SpoolFile) {
        segments.append(.spooled(spool))
    }

    /// Removes the files (own scratch files at once; spooled ones as their last reference goes).
    func remove() {
        for case .own(let f) in segments { f.remove() }
        segments = []
    }
}
