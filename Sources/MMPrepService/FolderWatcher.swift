#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Wakes the service when something may have changed in the inbox. inotify events
/// (`IN_CLOSE_WRITE`, `IN_MOVED_TO`, `IN_CREATE`, overflow) are hints only; the timer always
/// fires too, and on network filesystems or when watches run out only the timer is used.
final class FolderWatcher {
    private var fd: Int32 = -1
    private var watched: [Int32: String] = [:]
    private(set) var polling: Bool
    let root: String
    let logger: Logger

    init(root: String, mode: String, logger: Logger) {
        self.root = root
        self.logger = logger
        polling = mode == "poll"
        if !polling, mode == "auto", let fs = FilesystemInfo.networkFilesystem(root) {
            logger.notice("inbox is on \(fs): inotify would miss remote writes; polling", metadata: ["inbox": "\(root)"])
            polling = true
        }
        if !polling {
            fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if fd < 0 {
                logger.warning("inotify_init1 failed: \(String(cString: strerror(errno))); polling")
                polling = true
            } else {
                addWatches()
            }
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Adds watches for the inbox and every sub-folder not yet watched.
    func addWatches() {
        guard !polling else { return }
        var dirs = [root]
        if let e = FileManager.default.enumerator(atPath: root) {
            while let rel = e.nextObject() as? String {
                var st = stat()
                let path = root + "/" + rel
                if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { dirs.append(path) }
            }
        }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR)
        for dir in dirs where !watched.values.contains(dir) {
            let wd = inotify_add_watch(fd, dir, mask)
            if wd < 0 {
                let err = errno
                logger.warning("""
                    inotify_add_watch failed (\(String(cString: strerror(err)))); falling back to polling. \
                    Raise the limit with: sysctl fs.inotify.max_user_watches=524288
                    """, metadata: ["folder": "\(dir)"])
                close(fd)
                fd = -1
                polling = true
                return
            }
            watched[wd] = dir
        }
    }

    /// Waits until an event arrives or `timeout` seconds pass. Returns true if events arrived.
    func wait(timeout: Double) -> Bool {
        guard !polling, fd >= 0 else {
            usleep(UInt32(max(0, min(timeout, 60)) * 1_000_000))
            return false
        }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let rc = poll(&pfd, 1, Int32(timeout * 1000))
        guard rc > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var newDirectories = false
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset, as: inotify_event.self) }
                if event.mask & UInt32(IN_ISDIR) != 0 || event.mask & UInt32(IN_Q_OVERFLOW) != 0 { newDirectories = true }
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
        if newDirectories { addWatches() }
        return true
    }
}
