#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepDataset

/// Decides which inbox files are ready. Events are only hints; this scan is the truth.
///
/// A file is ready when it is a regular file (no symlink, fifo, device), is not hidden (no path
/// component starting with "."), has no temporary suffix (`.part`, `.tmp`, `.crdownload`, `~`),
/// and has kept the same size, modification time and inode for the settle time.
public final class InboxScanner {
    public static let temporarySuffixes = [".part", ".tmp", ".crdownload", "~", ".partial", ".download"]

    /// What a file looked like, and since when it has looked like that.
    struct Observation: Equatable {
        var size: Int64
        var mtimeNanos: Int64
        var inode: UInt64
        var since: TimeInterval
    }

    public struct Result: Sendable, Equatable {
        /// Paths relative to the inbox, sorted.
        public var ready: [String]
        /// Files seen but not settled yet (or still being written).
        public var waiting: Int
        /// Every regular file that may become ready (settled or not), relative.
        public var present: Set<String>
        /// Symlinks, fifos, sockets and devices present now, relative (refused, never claimed).
        public var irregular: Set<String>
        /// Entries that will never be processed, with the reason (reported once each).
        public var refused: [Refusal]
    }

    public struct Refusal: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    public let inbox: String
    public var settle: TimeInterval
    private var seen: [String: Observation] = [:]
    private var reported = Set<String>()

    public init(inbox: String, settle: TimeInterval) {
        self.inbox = inbox
        self.settle = settle
    }

    public static func isTemporary(_ name: String) -> Bool {
        temporarySuffixes.contains { name.hasSuffix($0) }
    }

    /// Scans the inbox at time `now` (seconds; monotonic in production).
    public func scan(now: TimeInterval) -> Result {
        var ready: [String] = []
        var waiting = 0
        var refused: [Refusal] = []
        var present = Set<String>()
        var irregular = Set<String>()
        var stack = [""]
        while let rel = stack.popLast() {
            let dir = rel.isEmpty ? inbox : inbox + "/" + rel
            let listing: DirectoryListing
            do {
                listing = try DirectoryListing(dir)
            } catch {
                if !rel.isEmpty, reported.insert(rel + "/").inserted {
                    refused.append(Refusal(path: rel + "/", reason: error.message))
                }
                continue
            }
            for bad in listing.invalidNames where reported.insert(rel + "/" + bad).inserted {
                refused.append(Refusal(path: rel.isEmpty ? bad : rel + "/" + bad,
                                       reason: "the name is not valid UTF-8; refused (rename it)"))
            }
            let names = listing.names
            for name in names where !name.hasPrefix(".") {
                let relPath = rel.isEmpty ? name : rel + "/" + name
                let path = inbox + "/" + relPath
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    stack.append(relPath)
                case S_IFREG:
                    if Self.isTemporary(name) { waiting += 1; continue }
                    present.insert(relPath)
                    let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
                    let current = Observation(size: Int64(st.st_size), mtimeNanos: mtime, inode: UInt64(st.st_ino), since: now)
                    if var old = seen[relPath], old.size == current.size, old.mtimeNanos == current.mtimeNanos,
                       old.inode == current.inode {
                        if now - old.since >= settle {
                            ready.append(relPath)
                        } else {
                            waiting += 1
                        }
                        old.since = min(old.since, now)
                        seen[relPath] = old
                    } else {
                        seen[relPath] = current
                        waiting += 1
                    }
                default:
                    irregular.insert(relPath)
                    let kind = (st.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : "not a regular file (fifo, socket or device)"
                    if reported.insert(relPath).inserted {
                        refused.append(Refusal(path: relPath, reason: "\(kind); refused"))
                    }
                }
            }
        }
        // Forget files that went away (claimed, or removed by their writer).
        seen = seen.filter { present.contains($0.key) }
        return Result(ready: ready.sorted(), waiting: waiting, present: present, irregular: irregular, refused: refused)
    }

    /// Forgets a path (after it was claimed), so that a new file under the same name starts over.
    public func forget(_ relPath: String) {
        seen.removeValue(forKey: relPath)
    }
}
