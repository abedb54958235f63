import MMPrepCore

/// Integer weights of one axis of a separable resize: Pillow's 8-bit path and torch's uint8
/// antialias path both reduce to this (they differ only in how the weights are made).
struct FixedPointCoefficients {
    var ksize: Int
    /// For each output index: first source index and number of taps.
    var bounds: [(min: Int, count: Int)]
    /// `outSize * ksize` quantised weights.
    var weights: [Int32]
    /// Fractional bits of the weights.
    var precision: Int
}

/// One pass of a fixed-point separable resize: each output sample is
/// `clamp((2^(p-1) + sum(src * w)) >> p, 0, 255)` in wrapping Int32 arithmetic.
enum FixedPointResampler {
    @inline(__always)
    static func clampByte(_ v: Int32, _ precision: Int32) -> UInt8 {
        let s = v >> precision
        return s <= 0 ? 0 : (s >= 255 ? 255 : UInt8(truncatingIfNeeded: s))
    }

    static func horizontal(_ image: RGBImage, outWidth: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let h = image.height, inW = image.width
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        var out = [UInt8](repeating: 0, count: outWidth * h * 3)
        image.pixels.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { wts in
                c.bounds.withUnsafeBufferPointer { bounds in
                    out.withUnsafeMutableBufferPointer { dst in
                        for y in 0..<h {
                            let row = src.baseAddress! + y * inW * 3
                            let orow = dst.baseAddress! + y * outWidth * 3
                            for xx in 0..<outWidth {
                                let (xmin, count) = bounds[xx]
                                let k = wts.baseAddress! + xx * c.ksize
                                var s0 = half, s1 = half, s2 = half
                                var p = row + xmin * 3
                                for x in 0..<count {
                                    let w = k[x]
                                    s0 &+= Int32(p[0]) &* w
                                    s1 &+= Int32(p[1]) &* w
                                    s2 &+= Int32(p[2]) &* w
                                    p += 3
                                }
                                orow[xx * 3] = clampByte(s0, precision)
                                orow[xx * 3 + 1] = clampByte(s1, precision)
                                orow[xx * 3 + 2] = clampByte(s2, precision)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: h, pixels: out)
    }

    static func vertical(_ image: RGBImage, outHeight: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let rowBytes = image.width * 3
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        var out = [UInt8](repeating: 0, count: rowBytes * outHeight)
        var acc = [Int32](repeating: 0, count: rowBytes)
        image.pixels.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { wts in
                out.withUnsafeMutableBufferPointer { dst in
                    acc.withUnsafeMutableBufferPointer { sum in
                        for yy in 0..<outHeight {
                            let (ymin, count) = c.bounds[yy]
                            let k = wts.baseAddress! + yy * c.ksize
                            for i in 0..<rowBytes { sum[i] = half }
                            for y in 0..<count {
                                let w = k[y]
                                let row = src.baseAddress! + (ymin + y) * rowBytes
                                for i in 0..<rowBytes { sum[i] &+= Int32(row[i]) &* w }
                            }
                            let orow = dst.baseAddress! + yy * rowBytes
                            for i in 0..<rowBytes { orow[i] = clampByte(sum[i], precision) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }
}
