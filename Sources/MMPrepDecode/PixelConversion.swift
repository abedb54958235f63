/// Pillow's conversions to 8-bit RGB, bit for bit.
enum PixelConversion {
    /// `Image.alpha_composite(white, rgba).convert("RGB")`: Pillow's integer formula with a
    /// fully opaque white destination.
    static func compositeOntoWhite(rgba: UnsafeBufferPointer<UInt8>, pixelCount: Int) -> [UInt8] {
        var out = [UInt8](repeating: 255, count: pixelCount * 3)
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<pixelCount {
                let a = UInt32(rgba[i * 4 + 3])
                if a == 0 { continue }
                // blend = 255 * (255 - a); outa255 = a*255 + blend = 255*255
                // coef1 = a*255*255*128 / outa255 = a*128; coef2 = 255*128 - coef1
                let coef1 = a * 255 * 255 * 128 / (255 * 255)
                let coef2 = 255 * 128 - coef1
                for c in 0..<3 {
                    let tmp = UInt32(rgba[i * 4 + c]) * coef1 + 255 * coef2 + (0x80 << 7)
                    dst[i * 3 + c] = UInt8(truncatingIfNeeded: (((tmp >> 8) + tmp) >> 8) >> 7)
                }
            }
        }
        return out
    }

    /// Pillow's "CMYK;I" unpacking of a libjpeg CMYK buffer followed by its CMYK to RGB
    /// conversion: `nk = 255 - K; out = clip(nk - nk*C/255)` on the inverted samples.
    static func adobeCMYKToRGB(cmyk: UnsafeBufferPointer<UInt8>, pixelCount: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixelCount * 3)
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<pixelCount {
                let k = 255 - Int(cmyk[i * 4 + 3])
                let nk = 255 - k
                for c in 0..<3 {
                    let v = 255 - Int(cmyk[i * 4 + c])
                    let tmp = v * nk + 128
                    let muldiv = ((tmp >> 8) + tmp) >> 8
                    dst[i * 3 + c] = UInt8(clamping: nk - muldiv)
                }
            }
        }
        return out
    }

    static func greyToRGB(_ grey: UnsafeBufferPointer<UInt8>, pixelCount: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixelCount * 3)
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<pixelCount {
                let v = grey[i]
                dst[i * 3] = v; dst[i * 3 + 1] = v; dst[i * 3 + 2] = v
            }
        }
        return out
    }
}
