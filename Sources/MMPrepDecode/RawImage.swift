/// A decoded still image before orientation: packed RGB with alpha already composited.
struct RawImage {
    var width: Int
    var height: Int
    var rgb: [UInt8]
    var hadAlpha: Bool
    /// The TIFF-structured EXIF block, if the file carries one.
    var exif: [UInt8]?
}

/// Bounds checked before pixel buffers are allocated.
public struct ImageLimits: Sendable, Equatable {
    /// Largest width*height accepted (Pillow's decompression-bomb error threshold by default).
    public var maxPixels: Int
    /// Largest file accepted, in bytes.
    public var maxFileBytes: Int

    public init(maxPixels: Int = 178_956_970, maxFileBytes: Int = 512 << 20) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }
}
