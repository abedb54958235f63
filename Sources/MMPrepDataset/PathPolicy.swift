#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Confines media paths named in manifests: relative to the manifest's folder, never absolute,
/// never resolving (through `..` or symlinks) outside that folder, unless `--allow-root` grants
/// another folder.
public struct PathPolicy: Sendable {
    public var allowedRoots: [String]

    public init(allowedRoots: [String] = []) {
        self.allowedRoots = allowedRoots.map { Self.realPath($0) ?? $0 }
    }

    public static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// Resolves `written` (as it appears in the record) against `root`. Returns the path to open.
    public func resolve(_ written: String, root: String, manifest: String) throws(InputError) -> String {
        var name = written
        if name.hasPrefix("file://") { name.removeFirst("file://".count) }
        guard !name.isEmpty else { throw InputError(file: manifest, message: "empty media path", reason: "path") }
        guard !name.contains("\0") else { throw InputError(file: manifest, message: "media path contains a NUL byte", reason: "path") }
        if name.hasPrefix("http://") || name.hasPrefix("https://") || name.contains("://") {
            throw InputError(file: manifest, message: "\(written): only local files are read", reason: "path")
        }
        let absolute = name.hasPrefix("/")
        let joined = absolute ? name : root + "/" + name
        guard let real = Self.realPath(joined) else {
            throw InputError(file: manifest, message: "\(written): no such file", reason: "missing")
        }
        let realRoot = Self.realPath(root) ?? root
        let granted = allowedRoots.contains { Self.isInside(real, $0) }
        if absolute && !granted {
            throw InputError(file: manifest, message: "\(written): absolute paths are refused (grant a folder with --allow-root)", reason: "path")
        }
        if !Self.isInside(real, realRoot) && !granted {
            throw InputError(file: manifest, message: "\(written): resolves outside the manifest's folder (grant it with --allow-root)", reason: "path")
        }
        return real
    }
}
