#if canImport(Glibc)
import Glibc
#endif

/// A folder's entries as the bytes the file system holds, split into names that are valid UTF-8
/// and names that are not (which cannot be keys, JSON records or safe log lines, and which
/// a lossy conversion would turn into a different file's name).
public struct DirectoryListing: Sendable {
    public var names: [String] = []
    /// Entries whose names are not valid UTF-8, shown with invalid bytes replaced.
    public var invalidNames: [String] = []

    public init(_ path: String) throws(InputError) {
        guard let dir = opendir(path) else {
            throw InputError(file: path, message: "cannot list folder: \(String(cString: strerror(errno)))", reason: "io")
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if let name = String(validating: bytes, as: UTF8.self) {
                names.append(name)
            } else {
                invalidNames.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        names.sort()
        invalidNames.sort()
    }
}
