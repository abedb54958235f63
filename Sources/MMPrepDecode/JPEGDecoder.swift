import CJPEG
import MMPrepCore

/// JPEG through libjpeg-turbo with Pillow's settings (integer DCT, fancy upsampling);
/// CMYK/YCCK files are read as Adobe-inverted CMYK and converted as Pillow converts them.
enum JPEGDecoder {
    static func decode(_ bytes: [UInt8], file: String, limits: ImageLimits) throws(DecodeError) -> RawImage {
        var result = mm_jpeg_result()
        let status = bytes.withUnsafeBufferPointer {
            mm_jpeg_decode($0.baseAddress, $0.count, UInt64(limits.maxPixels), 0, &result)
        }
        defer { mm_jpeg_result_free(&result) }
        let message = withUnsafeBytes(of: &result.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if status == -2 {
            throw DecodeError(file: file, reason: .limitExceeded, call: "jpeg_read_header", message: message)
        }
        guard status == 0, let pixels = result.pixels else {
            throw DecodeError(file: file, reason: .corrupt, call: "jpeg_read_scanlines", message: message)
        }
        let w = Int(result.width), h = Int(result.height)
        let exif: [UInt8]? = result.exif.map { Array(UnsafeBufferPointer(start: $0, count: result.exif_size)) }
        let buffer = UnsafeBufferPointer(start: pixels, count: w * h * Int(result.components))
        let rgb: [UInt8]
        switch result.components {
        case 1: rgb = PixelConversion.greyToRGB(buffer, pixelCount: w * h)
        case 4: rgb = PixelConversion.adobeCMYKToRGB(cmyk: buffer, pixelCount: w * h)
        default: rgb = Array(buffer)
        }
        return RawImage(width: w, height: h, rgb: rgb, hadAlpha: false, exif: exif)
    }
}
