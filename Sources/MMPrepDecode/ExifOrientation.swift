import MMPrepCore

/// Reads the Orientation tag (0x0112) from a TIFF-structured EXIF block, as Pillow's
/// `getexif()` does for JPEG APP1, PNG eXIf and WebP EXIF chunks.
enum ExifOrientation {
    /// `data` starts at the TIFF header ("II*\0" or "MM\0*"). Returns nil when absent or invalid.
    static func parse(_ data: [UInt8]) -> Orientation? {
        guard data.count >= 8 else { return nil }
        let little: Bool
        if data[0] == 0x49 && data[1] == 0x49 { little = true }
        else if data[0] == 0x4D && data[1] == 0x4D { little = false }
        else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= data.count else { return nil }
            return little ? Int(data[o]) | Int(data[o + 1]) << 8 : Int(data[o]) << 8 | Int(data[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard o >= 0, o + 4 <= data.count else { return nil }
            let v = little
                ? UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24
                : UInt32(data[o]) << 24 | UInt32(data[o + 1]) << 16 | UInt32(data[o + 2]) << 8 | UInt32(data[o + 3])
            return Int(v)
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<min(count, 1000) {
            let entry = ifd + 2 + i * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(entry + 2) else { return nil }
                let value: Int?
                switch type {
                case 3: value = u16(entry + 8)   // SHORT
                case 4: value = u32(entry + 8)   // LONG
                default: value = nil
                }
                guard let v = value else { return nil }
                return Orientation(rawValue: v)
            }
        }
        return nil
    }

    /// The "EXIF" chunk of a WebP RIFF container (TIFF-structured), if any.
    static func fromWebPChunk(_ data: [UInt8]) -> [UInt8]? {
        var offset = 12
        while offset + 8 <= data.count {
            let fourcc = String(decoding: data[offset..<(offset + 4)], as: UTF8.self)
            let size = Int(data[offset + 4]) | Int(data[offset + 5]) << 8 | Int(data[offset + 6]) << 16
                | Int(data[offset + 7]) << 24
            let body = offset + 8
            guard size >= 0, body + size <= data.count else { return nil }
            if fourcc == "EXIF" {
                var chunk = Array(data[body..<(body + size)])
                // Some writers keep the JPEG-style "Exif\0\0" prefix.
                if chunk.starts(with: Array("Exif\0\0".utf8)) { chunk.removeFirst(6) }
                return chunk
            }
            offset = body + size + (size & 1)
        }
        return nil
    }
}
