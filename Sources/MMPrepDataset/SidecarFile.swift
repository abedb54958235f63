/// Reads a caption or messages sidecar: a regular file (not a symlink, fifo or device; a fifo
/// does not block the open), at most `maxBytes` (`limits.max_sidecar_bytes`), valid UTF-8.
public enum SidecarFile {
    public static func read(_ path: String, maxBytes: Int) throws(InputError) -> String {
        let bytes = try BoundedFile.read(path, maxBytes: maxBytes, what: "sidecar")
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(file: path, message: "sidecar is not valid UTF-8", reason: "not-utf8")
        }
        return text
    }
}
