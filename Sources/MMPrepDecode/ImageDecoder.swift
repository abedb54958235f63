import MMPrepCore

/// A decoded still image, upright and 8-bit RGB, with what was learned on the way.
public struct DecodedImage: Sendable {
    public var image: RGBImage
    public var format: MediaFormat
    /// The stored size, before the EXIF orientation.
    public var storedWidth: Int
    public var storedHeight: Int
    /// The EXIF orientation found in the file (identity when none).
    public var orientation: Orientation
    /// Whether the orientation was applied to `image`.
    public var orientationApplied: Bool
    /// Whether the file carried transparency (composited onto white).
    public var hadAlpha: Bool
}

/// Decodes still images with the library the reference (Pillow) uses for each format:
/// libjpeg-turbo for JPEG, libwebp for WebP, libpng for PNG, FFmpeg for BMP/TIFF/GIF.
public struct ImageDecoder: Sendable {
    public var limits: ImageLimits
    /// Apply the EXIF orientation as `transformers.image_utils.load_image` does.
    public var applyExifOrientation: Bool

    public init(limits: ImageLimits = ImageLimits(), applyExifOrientation: Bool = true) {
        self.limits = limits
        self.applyExifOrientation = applyExifOrientation
    }

    public func decode(path: String) throws(DecodeError) -> DecodedImage {
        let head = try FileBytes.head(path, count: 16)
        let format = MediaFormat.sniff(head)
        if limits.deadlineExpired() {
            throw DecodeError(file: path, reason: .timeout, call: "open", message: "time budget exceeded")
        }
        let raw: RawImage
        switch format {
        case .png: raw = try PNGDecoder.decode(try FileBytes.read(path, maxBytes: limits.maxFileBytes), file: path, limits: limits)
        case .jpeg: raw = try JPEGDecoder.decode(try FileBytes.read(path, maxBytes: limits.maxFileBytes), file: path, limits: limits)
        case .webp: raw = try WebPDecoder.decode(try FileBytes.read(path, maxBytes: limits.maxFileBytes), file: path, limits: limits)
        case .gif, .bmp, .tiff: raw = try FFmpegImageDecoder.decode(path: path, limits: limits)
        case .container:
            throw DecodeError(file: path, reason: .unsupportedFormat, call: "sniff",
                              message: "not an image format mmprep reads (PNG, JPEG, WebP, GIF, BMP, TIFF)")
        }
        guard raw.width > 0, raw.height > 0 else {
            throw DecodeError(file: path, reason: .corrupt, call: "decode", message: "image has no pixels")
        }
        let orientation = raw.exif.flatMap(ExifOrientation.parse) ?? .identity
        var image = RGBImage(width: raw.width, height: raw.height, pixels: raw.rgb)
        if applyExifOrientation && orientation != .identity {
            image = image.transformed(orientation)
        }
        return DecodedImage(image: image, format: format, storedWidth: raw.width, storedHeight: raw.height,
                            orientation: orientation, orientationApplied: applyExifOrientation,
                            hadAlpha: raw.hadAlpha)
    }
}
