import MMPrepCore

/// Pillow's 8-bit fixed-point bicubic resampling (`Image.resize(..., BICUBIC)`), bit for bit.
///
/// Separable: one pass per axis whose size changes, with a uint8 intermediate image.
/// Weights are computed in Double, normalised by their sum and quantised to 22 fractional bits.
public enum PillowBicubic {
    /// Which Pillow's pass order to reproduce.
    public enum PassOrder: String, Sendable, CaseIterable {
        /// Pillow 13: vertical first when that pass shrinks the image much more.
        case pillow13 = "pillow"
        /// Pillow 12 and earlier: horizontal first, except for inputs more than 100 times taller
        /// than wide whose height shrinks (`Image.resize` then does the vertical pass first).
        case pillow12
    }

    static let precisionBits = 22

    /// Fixed-point coefficients for one axis.
    struct Coefficients {
        var ksize: Int
        /// For each output index: first source index and number of taps.
        var bounds: [(min: Int, count: Int)]
        /// `outSize * ksize` quantised weights.
        var weights: [Int32]
    }

    @inline(__always)
    static func cubic(_ xIn: Double) -> Double {
        let a = -0.5
        let x = xIn < 0 ? -xIn : xIn
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterscale = max(scale, 1.0)
        let support = 2.0 * filterscale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [(min: Int, count: Int)](repeating: (0, 0), count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let ss = 1.0 / filterscale
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            var ww = 0.0
            var xmin = Int(center - support + 0.5)   // C truncation toward zero
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            for x in 0..<xmax {
                let w = cubic((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax where ww != 0.0 { k[x] /= ww }
            for x in 0..<ksize {
                let v = x < xmax ? k[x] : 0
                let scaled = v * Double(1 << precisionBits)
                weights[xx * ksize + x] = v < 0 ? Int32(-0.5 + scaled) : Int32(0.5 + scaled)
            }
            bounds[xx] = (xmin, xmax)
        }
        return Coefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    @inline(__always)
    static func clip8(_ v: Int32) -> UInt8 {
        if v >= (1 << precisionBits) << 8 { return 255 }
        if v <= 0 { return 0 }
        return UInt8(truncatingIfNeeded: v >> Int32(precisionBits))
    }

    /// Whether the vertical pass runs first for this resize.
    public static func verticalFirst(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int,
                                     order: PassOrder) -> Bool {
        switch order {
        case .pillow13: return outHeight < inHeight && (inHeight - outHeight) > 2 * (inWidth - outWidth)
        case .pillow12: return inHeight > inWidth * 100 && outHeight < inHeight
        }
    }

    public static func resize(_ image: RGBImage, width outW: Int, height outH: Int, order: PassOrder) -> RGBImage {
        precondition(outW > 0 && outH > 0)
        if outW == image.width && outH == image.height { return image }
        let needH = outW != image.width
        let needV = outH != image.height
        if needH && needV {
            if verticalFirst(inWidth: image.width, inHeight: image.height, outWidth: outW, outHeight: outH, order: order) {
                return horizontal(vertical(image, outHeight: outH), outWidth: outW)
            }
            return vertical(horizontal(image, outWidth: outW), outHeight: outH)
        }
        return needH ? horizontal(image, outWidth: outW) : vertical(image, outHeight: outH)
    }

    static func horizontal(_ image: RGBImage, outWidth: Int) -> RGBImage {
        let c = coefficients(inSize: image.width, outSize: outWidth)
        let h = image.height, inW = image.width
        var out = [UInt8](repeating: 0, count: outWidth * h * 3)
        let half = Int32(1 << (precisionBits - 1))
        image.pixels.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { wts in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        let row = src.baseAddress! + y * inW * 3
                        let orow = dst.baseAddress! + y * outWidth * 3
                        for xx in 0..<outWidth {
                            let (xmin, count) = c.bounds[xx]
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
                            orow[xx * 3] = clip8(s0)
                            orow[xx * 3 + 1] = clip8(s1)
                            orow[xx * 3 + 2] = clip8(s2)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: h, pixels: out)
    }

    static func vertical(_ image: RGBImage, outHeight: Int) -> RGBImage {
        let c = coefficients(inSize: image.height, outSize: outHeight)
        let rowBytes = image.width * 3
        var out = [UInt8](repeating: 0, count: rowBytes * outHeight)
        let half = Int32(1 << (precisionBits - 1))
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
                            for i in 0..<rowBytes { orow[i] = clip8(sum[i]) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }
}
