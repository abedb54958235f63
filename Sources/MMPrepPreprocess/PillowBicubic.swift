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

    @inline(__always)
    static func cubic(_ xIn: Double) -> Double {
        let a = -0.5
        let x = xIn < 0 ? -xIn : xIn
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }

    static func coefficients(inSize: Int, outSize: Int) -> FixedPointCoefficients {
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
        return FixedPointCoefficients(ksize: ksize, bounds: bounds, weights: weights, precision: precisionBits)
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
        FixedPointResampler.horizontal(image, outWidth: outWidth, coefficients(inSize: image.width, outSize: outWidth))
    }

    static func vertical(_ image: RGBImage, outHeight: Int) -> RGBImage {
        FixedPointResampler.vertical(image, outHeight: outHeight, coefficients(inSize: image.height, outSize: outHeight))
    }
}
