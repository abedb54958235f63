#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation

/// The service's folders. `processing/`, `failed/` and `done/` sit next to the inbox (in its
/// parent folder), on the same filesystem, so that claims are atomic renames. The inbox itself
/// is never written to.
public struct WatchLayout: Sendable {
    public let inbox: String
    public let processing: String
    public let failed: String
    public let done: String
    public let output: String
    public let state: String

    public init(inbox: String, output: String, state: String?) {
        let inboxURL = URL(fileURLWithPath: inbox).standardizedFileURL
        self.inbox = inboxURL.path
        let parent = inboxURL.deletingLastPathComponent().path
        processing = parent + "/processing"
        failed = parent + "/failed"
        done = parent + "/done"
        self.output = URL(fileURLWithPath: output).standardizedFileURL.path
        self.state = state.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? (parent + "/state")
    }

    static func device(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_dev) : nil
    }

    /// Creates the folders and checks that renames between inbox and processing/failed/done
    /// cannot cross filesystems, and that output and state are writable.
    public func prepare() throws(ServiceError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inbox, isDirectory: &isDir), isDir.boolValue else {
            throw ServiceError("\(inbox): the inbox is not a folder")
        }
        for dir in [processing, failed, done, output, state] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw ServiceError("\(dir): cannot create: \(error.localizedDescription)")
            }
            guard access(dir, W_OK) == 0 else {
                throw ServiceError("\(dir): not writable: \(String(cString: strerror(errno)))")
            }
        }
        guard let inboxDevice = Self.device(inbox) else { throw ServiceError("\(inbox): cannot stat") }
        for dir in [processing, failed, done] where Self.device(dir) != inboxDevice {
            throw ServiceError("\(dir) is on another filesystem than the inbox \(inbox); claims must be renames")
        }
    }
}

/// An exclusive lock on `STATE/lock` for the life of the process (a second instance fails).
public final class InstanceLock {
    private let fd: Int32

    public init(stateDirectory: String) throws(ServiceError) {
        let path = stateDirectory + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ServiceError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServiceError("\(path): another mmprep watch holds this state directory")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, pid.count) }
    }

    deinit { close(fd) }
}

/// Free space and filesystem kind.
public enum FilesystemInfo {
    public static func freeBytes(_ path: String) -> Int? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    /// The name of a network or FUSE filesystem (where inotify is silent), or nil.
    public static func networkFilesystem(_ path: String) -> String? {
        let type = mm_statfs_type(path)
        guard type != -1 else { return nil }
        switch UInt32(truncatingIfNeeded: type) {
        case 0x6969: return "nfs"
        case 0xFF53_4D42: return "cifs"
        case 0xFE53_4D42: return "smb2"
        case 0x6573_5546: return "fuse"
        case 0x517B: return "smb"
        default: return nil
        }
    }
}
