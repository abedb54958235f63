/// A decoded still image before orientation: packed RGB with alpha already composited.
struct RawImage {
    var width: Int
    var height: Int
    var rgb: [UInt8]
    var hadAlpha: Bool
    /// The TIFF-structured EXIF block, if the file carries one.
    var exif: [UInt8]?
}
