/// What kind of media a file holds, decided from its first bytes, never from its name.
public enum MediaFormat: String, Sendable {
    case png, jpeg, webp, gif, bmp, tiff
    /// Anything else: handed to FFmpeg's demuxers (with an allow list).
    case container

    public var isStillImage: Bool { self != .container }

    /// Sniffs the format from the leading bytes of a file.
    public static func sniff(_ head: some Collection<UInt8>) -> MediaFormat {
        let b = Array(head.prefix(16))
        func starts(_ sig: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + sig.count && Array(b[offset..<(offset + sig.count)]) == sig
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("BM".utf8)) && b.count >= 14 { return .bmp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        return .container
    }
}

extension MediaFormat {
    /// Sniffs a file's format from its first bytes.
    public static func sniffFile(_ path: String) throws(DecodeError) -> MediaFormat {
        sniff(try FileBytes.head(path, count: 16))
    }
}
