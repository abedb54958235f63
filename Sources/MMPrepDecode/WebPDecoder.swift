import CWebP
import MMPrepCore

/// WebP through libwebp (the library Pillow uses); alpha is composited onto white.
enum WebPDecoder {
    static func decode(_ bytes: [UInt8], file: String, limits: ImageLimits) throws(DecodeError) -> RawImage {
        var w: Int32 = 0, h: Int32 = 0, alpha: Int32 = 0, animated: Int32 = 0
        let status = bytes.withUnsafeBufferPointer {
            mm_webp_features($0.baseAddress, $0.count, &w, &h, &alpha, &animated)
        }
        guard status == 0 else {
            throw DecodeError(file: file, reason: .corrupt, call: "WebPGetFeatures",
                              message: "VP8 status \(status)", code: status)
        }
        guard animated == 0 else {
            throw DecodeError(file: file, reason: .unsupportedFormat, call: "WebPGetFeatures",
                              message: "animated WebP is not supported")
        }
        guard w > 0, h > 0, Int(w) * Int(h) <= limits.maxPixels else {
            throw DecodeError(file: file, reason: .limitExceeded, call: "WebPGetFeatures",
                              message: "image is \(w)x\(h), above the limit of \(limits.maxPixels) pixels")
        }
        let pixelCount = Int(w) * Int(h)
        let exif = ExifOrientation.fromWebPChunk(bytes)
        if alpha != 0 {
            var rgba = [UInt8](repeating: 0, count: pixelCount * 4)
            let ok = bytes.withUnsafeBufferPointer { src in
                rgba.withUnsafeMutableBufferPointer { dst in
                    mm_webp_decode_rgba(src.baseAddress, src.count, dst.baseAddress, dst.count, w * 4)
                }
            }
            guard ok == 1 else {
                throw DecodeError(file: file, reason: .corrupt, call: "WebPDecodeRGBAInto", message: "decoding failed")
            }
            let rgb = rgba.withUnsafeBufferPointer { PixelConversion.compositeOntoWhite(rgba: $0, pixelCount: pixelCount) }
            return RawImage(width: Int(w), height: Int(h), rgb: rgb, hadAlpha: true, exif: exif)
        }
        var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
        let ok = bytes.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                mm_webp_decode_rgb(src.baseAddress, src.count, dst.baseAddress, dst.count, w * 3)
            }
        }
        guard ok == 1 else {
            throw DecodeError(file: file, reason: .corrupt, call: "WebPDecodeRGBInto", message: "decoding failed")
        }
        return RawImage(width: Int(w), height: Int(h), rgb: rgb, hadAlpha: false, exif: exif)
    }
}
