import MMPrepCore

/// torch's CPU antialiased bicubic resampling, bit for bit, in the two forms the Qwen references
/// reach on x86-64 (torch 2.13, `aten/src/ATen/native/cpu/UpSampleKernel.cpp`, AVX2 build; AVX-512
/// machines run the same AVX2 kernels because these ops are registered with `REGISTER_DISPATCH`).
///
/// Both are separable, with the horizontal pass first and each pass run only when that axis
/// changes. Filter: Keys cubic with a = -0.5, support `2 * max(in/out, 1)`.
///
/// - ``resizeUInt8(_:width:height:)``: the uint8 kernel (`upsample_avx_bilinear_bicubic_uint8`,
///   `UpSampleKernelAVXAntialias.h`) that torchvision's v2 `resize` runs on a uint8 tensor, which is
///   what transformers' torchvision backend (`Qwen2VLImageProcessor`, `Qwen3VLVideoProcessor`, ...)
///   does. Weights in Double, normalised, quantised to int16 with a per-pass precision; integer
///   accumulation; uint8 intermediate image.
/// - ``resizeFloat(_:width:height:)``: what qwen-vl-utils' `fetch_video` gets from torchvision's v1
///   `transforms.functional.resize` on a uint8 video: the frames go to float32, through the generic
///   float32 separable kernel (float weights, float intermediate), then `clamp(0, 255)`, round half
///   to even and back to uint8 (`.float()` then holds those integers).
public enum TorchBicubic {
    // MARK: - Filter

    /// `HelperInterpCubic::aa_filter<double>` (a = -0.5) with the multiply-adds fused as GCC
    /// contracts them in torch's AVX2 translation unit (`-mfma`, `-ffp-contract=fast`):
    /// `cubic_convolution1 = ((a+2)x - (a+3))x x + 1`, `cubic_convolution2 = ((a x - 5a)x + 8a)x - 4a`.
    @inline(__always)
    static func cubic(_ xIn: Double) -> Double {
        let a = -0.5
        let x = abs(xIn)
        if x < 1 {
            let t = (-(a + 3)).addingProduct(a + 2, x)
            return (1.0).addingProduct(t * x, x)
        }
        if x < 2 {
            var t = (-(5 * a)).addingProduct(a, x)
            t = (8 * a).addingProduct(t, x)
            return (-(4 * a)).addingProduct(t, x)
        }
        return 0
    }

    /// `aa_filter<float>`, contracted the same way (verified: torch's float weights are matched
    /// exactly with the fused form and not with the plain one).
    @inline(__always)
    static func cubic(_ xIn: Float) -> Float {
        let a: Float = -0.5
        let x = abs(xIn)
        if x < 1 {
            let t = (-(a + 3)).addingProduct(a + 2, x)
            return (1 as Float).addingProduct(t * x, x)
        }
        if x < 2 {
            var t = (-(5 * a)).addingProduct(a, x)
            t = (8 * a).addingProduct(t, x)
            return (-(4 * a)).addingProduct(t, x)
        }
        return 0
    }

    // MARK: - uint8 kernel

    /// `HelperInterpBase::_compute_index_ranges_int16_weights` over
    /// `_compute_indices_min_size_weights_aa<double>`.
    static func intCoefficients(inSize: Int, outSize: Int) -> FixedPointCoefficients {
        let scale = Double(inSize) / Double(outSize)          // area_pixel_compute_scale<double>
        let support = scale >= 1 ? 2.0 * scale : 2.0          // (interp_size * 0.5) * scale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        let invscale = scale >= 1 ? 1.0 / scale : 1.0
        var bounds = [(min: Int, count: Int)](repeating: (0, 0), count: outSize)
        var wd = [Double](repeating: 0, count: outSize * ksize)
        var wtMax = 0.0
        for i in 0..<outSize {
            let center = scale * (Double(i) + 0.5)
            let xmin = max(Int(center - support + 0.5), 0)      // C truncation, then max
            var xsize = min(Int(center + support + 0.5), inSize) - xmin
            xsize = min(max(xsize, 0), ksize)
            var total = 0.0
            for j in 0..<xsize {
                let w = cubic((Double(j + xmin) - center + 0.5) * invscale)
                wd[i * ksize + j] = w
                total += w
            }
            if total != 0 {
                for j in 0..<xsize {
                    wd[i * ksize + j] /= total
                    wtMax = max(wtMax, wd[i * ksize + j])
                }
            }
            bounds[i] = (xmin, xsize)
        }
        // The largest precision (<= 22) whose rounded maximum weight still fits in int16.
        var precision = 0
        while precision < 22 {
            let next = Int32(0.5 + wtMax * Double(1 << (precision + 1)))
            if next >= 1 << 15 { break }
            precision += 1
        }
        let unit = Double(1 << precision)
        let weights = wd.map { w -> Int32 in
            let v = w * unit
            let q = v < 0 ? Int32(-0.5 + v) : Int32(0.5 + v)
            return Int32(Int16(truncatingIfNeeded: q))
        }
        return FixedPointCoefficients(ksize: ksize, bounds: bounds, weights: weights, precision: precision)
    }

    /// `F.interpolate(x_uint8, size, mode="bicubic", antialias=True, align_corners=False)` on CPU,
    /// which is also `torchvision.transforms.v2.functional.resize(x_uint8, ..., BICUBIC, antialias=True)`.
    public static func resizeUInt8(_ image: RGBImage, width outW: Int, height outH: Int) -> RGBImage {
        precondition(outW > 0 && outH > 0 && image.width > 0 && image.height > 0)
        if outW == image.width && outH == image.height { return image }
        var img = image
        if outW != img.width { img = horizontalUInt8(img, outWidth: outW) }
        if outH != img.height { img = verticalUInt8(img, outHeight: outH) }
        return img
    }

    static func horizontalUInt8(_ image: RGBImage, outWidth: Int) -> RGBImage {
        FixedPointResampler.horizontal(image, outWidth: outWidth, intCoefficients(inSize: image.width, outSize: outWidth))
    }

    static func verticalUInt8(_ image: RGBImage, outHeight: Int) -> RGBImage {
        FixedPointResampler.vertical(image, outHeight: outHeight, intCoefficients(inSize: image.height, outSize: outHeight))
    }

    // MARK: - float32 kernel

    /// Float32 coefficients for one axis of the generic kernel.
    struct FloatCoefficients {
        var ksize: Int
        var bounds: [(min: Int, count: Int)]
        /// `outSize * ksize` normalised weights.
        var weights: [Float]
    }

    /// `HelperInterpCubic::compute_index_ranges_weights` with `scalar_t = float`, keeping C++'s
    /// promotions: `center = float(scale * (i + 0.5))` is a double product, `center - support` is a
    /// float difference widened before `+ 0.5`, and the filter argument is
    /// `float((double(float(j + xmin) - center) + 0.5) * invscale)`.
    static func floatCoefficients(inSize: Int, outSize: Int) -> FloatCoefficients {
        let scale = Float(inSize) / Float(outSize)             // area_pixel_compute_scale<float>
        let support: Float = scale >= 1 ? Float(2.0 * Double(scale)) : 2
        let ksize = Int(support.rounded(.up)) * 2 + 1
        let invscale: Float = scale >= 1 ? Float(1.0 / Double(scale)) : 1
        var bounds = [(min: Int, count: Int)](repeating: (0, 0), count: outSize)
        var weights = [Float](repeating: 0, count: outSize * ksize)
        for i in 0..<outSize {
            let center = Float(Double(scale) * (Double(i) + 0.5))
            let xmin = max(Int(Double(center - support) + 0.5), 0)
            var xsize = min(Int(Double(center + support) + 0.5), inSize) - xmin
            xsize = min(max(xsize, 0), ksize)
            var total: Float = 0
            for j in 0..<xsize {
                let arg = Float((Double(Float(j + xmin) - center) + 0.5) * Double(invscale))
                let w = cubic(arg)
                weights[i * ksize + j] = w
                total += w
            }
            if total != 0 {
                for j in 0..<xsize { weights[i * ksize + j] /= total }
            }
            bounds[i] = (xmin, xsize)
        }
        return FloatCoefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    /// Number of trailing taps that torch's compiled tap loop runs as fused multiply-adds.
    ///
    /// `interpolate_separable_1d` is `out = t0 * w0; for j in 1..<n { out += tj * wj }`. In
    /// torch's build the taps run in blocks of 4 (8-lane loop, 4-lane epilogue) whose products
    /// are rounded and then added in order, and the last `(n - 1) % 4` taps run as scalar FMAs.
    /// Measured against torch, not read from the binary: this is the only per-step FMA/no-FMA
    /// pattern consistent with every output of 2 to several thousand taps, in both passes.
    @inline(__always)
    static func fusedTail(_ taps: Int) -> Int { (taps - 1) & 3 }

    /// `torchvision.transforms.functional.resize(x_uint8, [h, w], BICUBIC, antialias=True)` (v1,
    /// as qwen-vl-utils' `fetch_video` calls it): uint8 -> float32, float separable kernel,
    /// `clamp(0, 255)`, `round` (half to even), uint8.
    ///
    /// torch quirk reproduced: when the final width is 1 and the height changes, the vertical
    /// float pass repeats output row 0 down the whole column (the TensorIterator loop then runs
    /// along H while the kernel reads the first row's indices and weights only).
    public static func resizeFloat(_ image: RGBImage, width outW: Int, height outH: Int) -> RGBImage {
        precondition(outW > 0 && outH > 0 && image.width > 0 && image.height > 0)
        if outW == image.width && outH == image.height { return image }
        var plane = TorchFloatResampler.floats(image.pixels)
        var w = image.width, h = image.height
        if outW != w {
            plane = horizontalFloat(plane, width: w, height: h, outWidth: outW)
            w = outW
        }
        if outH != h {
            plane = verticalFloat(plane, width: w, height: h, outHeight: outH)
            h = outH
        }
        return RGBImage(width: w, height: h, pixels: TorchFloatResampler.bytes(plane))
    }

    static func horizontalFloat(_ plane: [Float], width inW: Int, height h: Int, outWidth: Int) -> [Float] {
        TorchFloatResampler.horizontal(plane, width: inW, height: h, outWidth: outWidth,
                                       floatCoefficients(inSize: inW, outSize: outWidth))
    }

    static func verticalFloat(_ plane: [Float], width w: Int, height inH: Int, outHeight: Int) -> [Float] {
        TorchFloatResampler.vertical(plane, width: w, height: inH, outHeight: outHeight,
                                     floatCoefficients(inSize: inH, outSize: outHeight))
    }
}
