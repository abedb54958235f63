/// An 8-bit image, packed RGB, rows top to bottom with no padding.
///
/// The one pixel type that decoding produces and preprocessing consumes.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, R G B per pixel.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(pixels.count) bytes for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A copy turned by a multiple of 90 degrees and/or mirrored.
    public func transformed(_ transform: Orientation) -> RGBImage {
        if transform == .identity { return self }
        let (ow, oh) = transform.swapsAxes ? (height, width) : (width, height)
        var out = [UInt8](repeating: 0, count: pixels.count)
        let w = width, h = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let (sx, sy) = transform.sourceCoordinate(x: ox, y: oy, width: w, height: h)
                        let s = (sy * w + sx) * 3
                        let d = (oy * ow + ox) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}

/// The eight orientations of an image (the EXIF orientation values 1 to 8).
public enum Orientation: Int, Sendable, CaseIterable {
    case identity = 1
    case flipHorizontal = 2
    case rotate180 = 3
    case flipVertical = 4
    /// Mirror along the main diagonal (EXIF 5, Pillow TRANSPOSE).
    case transpose = 5
    /// Turn 90 degrees clockwise (EXIF 6, Pillow ROTATE_270).
    case rotate90Clockwise = 6
    /// Mirror along the anti-diagonal (EXIF 7, Pillow TRANSVERSE).
    case transverse = 7
    /// Turn 90 degrees counter-clockwise (EXIF 8, Pillow ROTATE_90).
    case rotate90CounterClockwise = 8

    public var swapsAxes: Bool { rawValue >= 5 }

    /// Which source pixel lands at output (x, y); `width`/`height` are the source's.
    @inline(__always)
    func sourceCoordinate(x: Int, y: Int, width: Int, height: Int) -> (Int, Int) {
        switch self {
        case .identity: return (x, y)
        case .flipHorizontal: return (width - 1 - x, y)
        case .rotate180: return (width - 1 - x, height - 1 - y)
        case .flipVertical: return (x, height - 1 - y)
        case .transpose: return (y, x)
        case .rotate90Clockwise: return (y, height - 1 - x)
        case .transverse: return (width - 1 - y, height - 1 - x)
        case .rotate90CounterClockwise: return (width - 1 - y, x)
        }
    }
}
