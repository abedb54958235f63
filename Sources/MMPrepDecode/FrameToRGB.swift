import CFFmpeg

/// Converts decoded still-image frames (BMP, TIFF, GIF) to packed RGB the way Pillow
/// reads the same files: byte copies for RGB layouts, high byte of 16-bit samples,
/// palette lookups, and alpha composited onto white. Exotic layouts go through libswscale.
enum FrameToRGB {
    static func convert(_ frame: UnsafeMutablePointer<AVFrame>, file: String) throws(DecodeError) -> RawImage {
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        let fmt = AVPixelFormat(rawValue: frame.pointee.format)
        var rgba = [UInt8](repeating: 255, count: w * h * 4)
        var hasAlpha = false
        let stride0 = Int(frame.pointee.linesize.0)
        guard let plane0 = frame.pointee.data.0 else {
            throw DecodeError(file: file, reason: .corrupt, call: "avcodec_receive_frame", message: "frame has no data")
        }
        // (bytes per pixel, offsets of R, G, B, A or -1, bytes per sample: 1 or 2 (big) or -2 (little))
        struct Layout { var bpp: Int; var r: Int; var g: Int; var b: Int; var a: Int; var sample: Int }
        let layout: Layout?
        switch fmt {
        case AV_PIX_FMT_RGB24: layout = Layout(bpp: 3, r: 0, g: 1, b: 2, a: -1, sample: 1)
        case AV_PIX_FMT_BGR24: layout = Layout(bpp: 3, r: 2, g: 1, b: 0, a: -1, sample: 1)
        case AV_PIX_FMT_RGBA: layout = Layout(bpp: 4, r: 0, g: 1, b: 2, a: 3, sample: 1)
        case AV_PIX_FMT_BGRA: layout = Layout(bpp: 4, r: 2, g: 1, b: 0, a: 3, sample: 1)
        case AV_PIX_FMT_ARGB: layout = Layout(bpp: 4, r: 1, g: 2, b: 3, a: 0, sample: 1)
        case AV_PIX_FMT_ABGR: layout = Layout(bpp: 4, r: 3, g: 2, b: 1, a: 0, sample: 1)
        case AV_PIX_FMT_RGB0: layout = Layout(bpp: 4, r: 0, g: 1, b: 2, a: -1, sample: 1)
        case AV_PIX_FMT_BGR0: layout = Layout(bpp: 4, r: 2, g: 1, b: 0, a: -1, sample: 1)
        case AV_PIX_FMT_0RGB: layout = Layout(bpp: 4, r: 1, g: 2, b: 3, a: -1, sample: 1)
        case AV_PIX_FMT_0BGR: layout = Layout(bpp: 4, r: 3, g: 2, b: 1, a: -1, sample: 1)
        case AV_PIX_FMT_GRAY8: layout = Layout(bpp: 1, r: 0, g: 0, b: 0, a: -1, sample: 1)
        case AV_PIX_FMT_YA8: layout = Layout(bpp: 2, r: 0, g: 0, b: 0, a: 1, sample: 1)
        case AV_PIX_FMT_GRAY16BE: layout = Layout(bpp: 2, r: 0, g: 0, b: 0, a: -1, sample: 2)
        case AV_PIX_FMT_GRAY16LE: layout = Layout(bpp: 2, r: 1, g: 1, b: 1, a: -1, sample: 2)
        case AV_PIX_FMT_YA16BE: layout = Layout(bpp: 4, r: 0, g: 0, b: 0, a: 2, sample: 2)
        case AV_PIX_FMT_YA16LE: layout = Layout(bpp: 4, r: 1, g: 1, b: 1, a: 3, sample: 2)
        case AV_PIX_FMT_RGB48BE: layout = Layout(bpp: 6, r: 0, g: 2, b: 4, a: -1, sample: 2)
        case AV_PIX_FMT_RGB48LE: layout = Layout(bpp: 6, r: 1, g: 3, b: 5, a: -1, sample: 2)
        case AV_PIX_FMT_RGBA64BE: layout = Layout(bpp: 8, r: 0, g: 2, b: 4, a: 6, sample: 2)
        case AV_PIX_FMT_RGBA64LE: layout = Layout(bpp: 8, r: 1, g: 3, b: 5, a: 7, sample: 2)
        default: layout = nil
        }
        if let l = layout {
            // Offsets already point at the high byte of 16-bit samples.
            for y in 0..<h {
                let row = plane0 + y * stride0
                for x in 0..<w {
                    let p = row + x * l.bpp
                    let o = (y * w + x) * 4
                    rgba[o] = p[l.r]; rgba[o + 1] = p[l.g]; rgba[o + 2] = p[l.b]
                    if l.a >= 0 { rgba[o + 3] = p[l.a]; if p[l.a] != 255 { hasAlpha = true } }
                }
            }
        } else if fmt == AV_PIX_FMT_PAL8, let palBytes = frame.pointee.data.1 {
            let pal = UnsafeRawPointer(palBytes).bindMemory(to: UInt32.self, capacity: 256)
            for y in 0..<h {
                let row = plane0 + y * stride0
                for x in 0..<w {
                    let c = pal[Int(row[x])]
                    let o = (y * w + x) * 4
                    rgba[o] = UInt8((c >> 16) & 0xFF); rgba[o + 1] = UInt8((c >> 8) & 0xFF)
                    rgba[o + 2] = UInt8(c & 0xFF); rgba[o + 3] = UInt8(c >> 24)
                    if c >> 24 != 255 { hasAlpha = true }
                }
            }
        } else if fmt == AV_PIX_FMT_MONOWHITE || fmt == AV_PIX_FMT_MONOBLACK {
            let whiteIsZero = fmt == AV_PIX_FMT_MONOWHITE
            for y in 0..<h {
                let row = plane0 + y * stride0
                for x in 0..<w {
                    let bit = (row[x >> 3] >> (7 - UInt8(x & 7))) & 1
                    let v: UInt8 = (bit == 1) != whiteIsZero ? 255 : 0
                    let o = (y * w + x) * 4
                    rgba[o] = v; rgba[o + 1] = v; rgba[o + 2] = v
                }
            }
        } else {
            return try viaSwscale(frame, file: file)
        }
        if hasAlpha {
            let rgb = rgba.withUnsafeBufferPointer { PixelConversion.compositeOntoWhite(rgba: $0, pixelCount: w * h) }
            return RawImage(width: w, height: h, rgb: rgb, hadAlpha: true, exif: nil)
        }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) {
            rgb[i * 3] = rgba[i * 4]; rgb[i * 3 + 1] = rgba[i * 4 + 1]; rgb[i * 3 + 2] = rgba[i * 4 + 2]
        }
        return RawImage(width: w, height: h, rgb: rgb, hadAlpha: false, exif: nil)
    }

    private static func viaSwscale(_ frame: UnsafeMutablePointer<AVFrame>, file: String) throws(DecodeError) -> RawImage {
        let converter = try ColorConverter(file: file)
        let image = try converter.convert(frame)
        return RawImage(width: image.width, height: image.height, rgb: image.pixels, hadAlpha: false, exif: nil)
    }
}
