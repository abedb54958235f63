#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Turns command-line inputs (folders, JSONL manifests, single media files) into sample sources.
///
/// Folders are walked recursively without following symlinks; hidden entries are skipped.
/// A media file's sidecars share its stem: `NAME.txt` (a caption) and `NAME.json` (messages).
/// Manifests are `.jsonl` files, one record per non-empty line.
public struct InputWalker: Sendable {
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"]
    public static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "flv", "3gp",
                                                      "mpg", "mpeg", "ts", "ogv", "wmv", "asf"]
    /// Largest sidecar or manifest line accepted.
    public var maxSidecarBytes: Int
    public var maxManifestLineBytes: Int
    /// Largest manifest file accepted.
    public var maxManifestBytes: Int = 16 << 30

    public init(maxSidecarBytes: Int = 1 << 20, maxManifestLineBytes: Int = 1 << 20) {
        self.maxSidecarBytes = maxSidecarBytes
        self.maxManifestLineBytes = maxManifestLineBytes
    }

    public struct Result: Sendable {
        public var sources: [SampleSource]
        /// Inputs refused before any sample exists (unreadable manifest, bad line, duplicate key...).
        public var problems: [(key: String, path: String, message: String, reason: String)]
        /// Files in walked folders that are neither media, sidecars nor manifests.
        public var skipped: Int
    }

    public static func isMedia(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return imageExtensions.contains(ext) || videoExtensions.contains(ext)
    }

    public func walk(_ inputs: [String]) throws(InputError) -> Result {
        var sources: [SampleSource] = []
        var problems: [(String, String, String, String)] = []
        var skipped = 0
        for input in inputs {
            var st = stat()
            guard lstat(input, &st) == 0 else {
                throw InputError(file: input, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try walkFolder(root: input, sources: &sources, problems: &problems, skipped: &skipped)
            case S_IFREG where input.lowercased().hasSuffix(".jsonl"):
                try readManifest(input, sources: &sources, problems: &problems)
            case S_IFREG where Self.isMedia(input):
                let stem = (input as NSString).deletingPathExtension
                sources.append(SampleSource(key: SampleKey.sanitize(((stem as NSString).lastPathComponent)),
                                            origin: .media(path: input, caption: existing(stem + ".txt"),
                                                           messages: existing(stem + ".json"))))
            case S_IFLNK:
                throw InputError(file: input, message: "is a symbolic link; give the target itself")
            default:
                throw InputError(file: input, message: "not a folder, a .jsonl manifest or a media file")
            }
        }
        // Keys must be unique: later duplicates become problems.
        var seen = Set<String>()
        var unique: [SampleSource] = []
        for s in sources {
            if seen.insert(s.key).inserted { unique.append(s) }
            else { problems.append((s.key, s.displayPath, "duplicate sample key \(s.key)", "duplicate-key")) }
        }
        unique.sort { $0.key < $1.key }
        return Result(sources: unique, problems: problems.map { (key: $0.0, path: $0.1, message: $0.2, reason: $0.3) },
                      skipped: skipped)
    }

    /// A `.txt` or `.json` whose stem is the stem of a media file beside it.
    static func isSidecar(_ name: String, mediaStems: Set<String>) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        guard ext == "txt" || ext == "json" else { return false }
        return mediaStems.contains((name as NSString).deletingPathExtension)
    }

    func existing(_ path: String) -> String? {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? path : nil
    }

    func walkFolder(root: String, sources: inout [SampleSource],
                    problems: inout [(String, String, String, String)], skipped: inout Int) throws(InputError) {
        var stack = [""]
        while let rel = stack.popLast() {
            let dir = rel.isEmpty ? root : root + "/" + rel
            let listing: DirectoryListing
            do {
                listing = try DirectoryListing(dir)
            } catch {
                problems.append((SampleKey.sanitize(rel), dir, error.message, error.reason))
                continue
            }
            let names = listing.names
            for bad in listing.invalidNames where !bad.hasPrefix(".") {
                guard Self.isMedia(bad) || bad.lowercased().hasSuffix(".jsonl") else {
                    skipped += 1
                    continue
                }
                let relPath = rel.isEmpty ? bad : rel + "/" + bad
                problems.append((SampleKey.sanitize((relPath as NSString).deletingPathExtension), root + "/" + relPath,
                                 "the file name is not valid UTF-8; refused", "not-utf8"))
            }
            // Sidecars count only as regular files; any other kind refuses its media file.
            var kinds: [String: mode_t] = [:]
            for name in names {
                var st = stat()
                if lstat(dir + "/" + name, &st) == 0 { kinds[name] = st.st_mode & S_IFMT }
            }
            let mediaStems = Set(names.filter(Self.isMedia).map { ($0 as NSString).deletingPathExtension })
            for name in names where !name.hasPrefix(".") {
                let relPath = rel.isEmpty ? name : rel + "/" + name
                let path = root + "/" + relPath
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR where Self.isMedia(name):
                    problems.append((SampleKey.sanitize((relPath as NSString).deletingPathExtension), path,
                                     "a directory named like a media file; refused",
                                     "not-regular"))
                case S_IFDIR:
                    stack.append(relPath)
                case S_IFREG:
                    if name.lowercased().hasSuffix(".jsonl") {
                        try readManifest(path, sources: &sources, problems: &problems)
                    } else if Self.isMedia(name) {
                        let stem = (name as NSString).deletingPathExtension
                        let relStem = (relPath as NSString).deletingPathExtension
                        let odd = [stem + ".txt", stem + ".json"].filter { kinds[$0] != nil && kinds[$0] != S_IFREG }
                        if let bad = odd.first {
                            problems.append((SampleKey.sanitize(relStem), dir + "/" + bad,
                                             "sidecar is not a regular file (symlink, fifo, device or directory); refused",
                                             "not-regular"))
                            continue
                        }
                        let caption = kinds[stem + ".txt"] == S_IFREG ? (dir + "/" + stem + ".txt") : nil
                        let messages = kinds[stem + ".json"] == S_IFREG ? (dir + "/" + stem + ".json") : nil
                        sources.append(SampleSource(key: SampleKey.sanitize(relStem),
                                                    origin: .media(path: path, caption: caption, messages: messages)))
                    } else if !Self.isSidecar(name, mediaStems: mediaStems) {
                        skipped += 1
                    }
                default:
                    if Self.isMedia(name) {
                        problems.append((SampleKey.sanitize((relPath as NSString).deletingPathExtension), path,
                                         "not a regular file (symlink, fifo or device); refused", "not-regular"))
                    }
                }
            }
        }
    }

    func readManifest(_ path: String, sources: inout [SampleSource],
                      problems: inout [(String, String, String, String)]) throws(InputError) {
        let data = try BoundedFile.read(path, maxBytes: maxManifestBytes, what: "manifest")
        let root = (path as NSString).deletingLastPathComponent
        let name = SampleKey.sanitize(((path as NSString).lastPathComponent as NSString).deletingPathExtension)
        var lineNo = 0
        for lineBytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if lineBytes.allSatisfy(Self.isBlank) { continue }
            let key = "\(name)-" + String(repeating: "0", count: max(0, 6 - String(lineNo).count)) + String(lineNo)
            guard lineBytes.count <= maxManifestLineBytes else {
                problems.append((key, "\(path):\(lineNo)", "line is \(lineBytes.count) bytes, above \(maxManifestLineBytes)",
                                 "too-large"))
                continue
            }
            guard let text = String(validating: Array(lineBytes), as: UTF8.self) else {
                problems.append((key, "\(path):\(lineNo)", "line is not valid UTF-8", "not-utf8"))
                continue
            }
            let recordKey = Self.recordID(text).map { SampleKey.sanitize($0) } ?? key
            sources.append(SampleSource(key: recordKey,
                                        origin: .manifestRecord(manifest: path, line: lineNo, text: text,
                                                                root: root.isEmpty ? "." : root)))
        }
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    /// The record's own `"id"` when it is a top-level string or integer (cheap scan, no full parse).
    static func recordID(_ line: String) -> String? {
        guard let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        else { return nil }
        if let s = obj["id"] as? String, !s.isEmpty { return s }
        if let n = obj["id"] as? Int { return String(n) }
        return nil
    }
}
