import CPNG
import MMPrepCore

/// PNG through libpng: palettes, grey, low bit depths, tRNS and interlacing expanded;
/// 16-bit samples keep their high byte (as Pillow's "RGB;16B" unpacker does).
enum PNGDecoder {
    static func decode(_ bytes: [UInt8], file: String, limits: ImageLimits) throws(DecodeError) -> RawImage {
        var result = mm_png_result()
        let status = bytes.withUnsafeBufferPointer {
            mm_png_decode($0.baseAddress, $0.count, UInt64(limits.maxPixels), 0, &result)
        }
        defer { mm_png_result_free(&result) }
        let message = withUnsafeBytes(of: &result.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if status == -2 {
            throw DecodeError(file: file, reason: .limitExceeded, call: "png_read_info", message: message)
        }
        guard status == 0, let pixels = result.pixels else {
            throw DecodeError(file: file, reason: .corrupt, call: "png_read_image", message: message)
        }
        let w = Int(result.width), h = Int(result.height)
        let exif: [UInt8]? = result.exif.map { Array(UnsafeBufferPointer(start: $0, count: result.exif_size)) }
        let count = w * h * Int(result.channels)
        let buffer = UnsafeBufferPointer(start: pixels, count: count)
        if result.channels == 4 {
            return RawImage(width: w, height: h, rgb: PixelConversion.compositeOntoWhite(rgba: buffer, pixelCount: w * h),
                            hadAlpha: true, exif: exif)
        }
        return RawImage(width: w, height: h, rgb: Array(buffer), hadAlpha: false, exif: exif)
    }
}
