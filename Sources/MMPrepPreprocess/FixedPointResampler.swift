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
///
/// Both passes run 16 lanes of that sum at once (`SIMD16<Int32>`): the vertical pass across 16
/// bytes of a row, the horizontal pass across 16 rows of a strip, which it first transposes so
/// that a source pixel's 16 rows are one load. The arithmetic per lane is the scalar formula's,
/// in the same order, so the result is bit-identical to it (`scalarHorizontal`/`scalarVertical`,
/// kept as the reference the tests compare against).
enum FixedPointResampler {
    /// Rows per horizontal strip: one SIMD lane each.
    static let stripRows = 16

    @inline(__always)
    static func clampByte(_ v: Int32, _ precision: Int32) -> UInt8 {
        let s = v >> precision
        return s <= 0 ? 0 : (s >= 255 ? 255 : UInt8(truncatingIfNeeded: s))
    }

    @inline(__always)
    static func clampBytes(_ v: SIMD16<Int32>, _ precision: Int32) -> SIMD16<UInt8> {
        SIMD16<UInt8>(truncatingIfNeeded: (v &>> precision).clamped(lowerBound: .zero, upperBound: SIMD16(repeating: 255)))
    }

    @inline(__always)
    static func widen(_ p: UnsafeRawPointer, _ offset: Int = 0) -> SIMD16<Int32> {
        SIMD16<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self))
    }

    static func horizontal(_ image: RGBImage, outWidth: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let h = image.height, rowIn = image.width * 3, rowOut = outWidth * 3
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        let lanes = stripRows
        // Strip buffers: byte i of row r at [i * lanes + r].
        var strip = [UInt8](repeating: 0, count: rowIn * lanes)
        var stripOut = [UInt8](repeating: 0, count: rowOut * lanes)
        let out = [UInt8](unsafeUninitializedCapacity: rowOut * h) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                c.weights.withUnsafeBufferPointer { wts in
                    c.bounds.withUnsafeBufferPointer { bounds in
                        strip.withUnsafeMutableBufferPointer { tb in
                            stripOut.withUnsafeMutableBufferPointer { ob in
                                let t = tb.baseAddress!, o = ob.baseAddress!
                                let tRaw = UnsafeRawPointer(t), oRaw = UnsafeMutableRawPointer(o)
                                var y0 = 0
                                while y0 < h {
                                    let rows = min(lanes, h - y0)
                                    for r in 0..<rows {
                                        let s = src.baseAddress! + (y0 + r) * rowIn
                                        var tp = t + r
                                        for i in 0..<rowIn {
                                            tp.pointee = s[i]
                                            tp += lanes
                                        }
                                    }
                                    for xx in 0..<outWidth {
                                        let (xmin, count) = bounds[xx]
                                        let k = wts.baseAddress! + xx * c.ksize
                                        var r = SIMD16<Int32>(repeating: half), g = r, b = r
                                        var p = tRaw + xmin * 3 * lanes
                                        for x in 0..<count {
                                            let w = SIMD16<Int32>(repeating: k[x])
                                            r &+= widen(p) &* w
                                            g &+= widen(p, lanes) &* w
                                            b &+= widen(p, 2 * lanes) &* w
                                            p += 3 * lanes
                                        }
                                        let at = xx * 3 * lanes
                                        oRaw.storeBytes(of: clampBytes(r, precision), toByteOffset: at, as: SIMD16<UInt8>.self)
                                        oRaw.storeBytes(of: clampBytes(g, precision), toByteOffset: at + lanes,
                                                        as: SIMD16<UInt8>.self)
                                        oRaw.storeBytes(of: clampBytes(b, precision), toByteOffset: at + 2 * lanes,
                                                        as: SIMD16<UInt8>.self)
                                    }
                                    for r in 0..<rows {
                                        let d = dst.baseAddress! + (y0 + r) * rowOut
                                        var op = o + r
                                        for i in 0..<rowOut {
                                            d[i] = op.pointee
                                            op += lanes
                                        }
                                    }
                                    y0 += rows
                                }
                            }
                        }
                    }
                }
            }
            initialized = rowOut * h
        }
        return RGBImage(width: outWidth, height: h, pixels: out)
    }

    static func vertical(_ image: RGBImage, outHeight: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let rowBytes = image.width * 3
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        let out = [UInt8](unsafeUninitializedCapacity: rowBytes * outHeight) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                c.weights.withUnsafeBufferPointer { wts in
                    c.bounds.withUnsafeBufferPointer { bounds in
                        for yy in 0..<outHeight {
                            let (ymin, count) = bounds[yy]
                            let k = wts.baseAddress! + yy * c.ksize
                            let top = UnsafeRawPointer(src.baseAddress! + ymin * rowBytes)
                            let orow = UnsafeMutableRawPointer(dst.baseAddress! + yy * rowBytes)
                            var i = 0
                            while i + 16 <= rowBytes {
                                var acc = SIMD16<Int32>(repeating: half)
                                var p = top + i
                                for y in 0..<count {
                                    acc &+= widen(p) &* SIMD16(repeating: k[y])
                                    p += rowBytes
                                }
                                orow.storeBytes(of: clampBytes(acc, precision), toByteOffset: i, as: SIMD16<UInt8>.self)
                                i += 16
                            }
                            while i < rowBytes {
                                var acc = half
                                var p = top.assumingMemoryBound(to: UInt8.self) + i
                                for y in 0..<count {
                                    acc &+= Int32(p.pointee) &* k[y]
                                    p += rowBytes
                                }
                                orow.storeBytes(of: clampByte(acc, precision), toByteOffset: i, as: UInt8.self)
                                i += 1
                            }
                        }
                    }
                }
            }
            initialized = rowBytes * outHeight
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }

    // MARK: - Scalar reference

    /// The plain per-sample loops the SIMD passes must match bit for bit (used by the tests).
    static func scalarHorizontal(_ image: RGBImage, outWidth: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let h = image.height, inW = image.width
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        var out = [UInt8](repeating: 0, count: outWidth * h * 3)
        for y in 0..<h {
            for xx in 0..<outWidth {
                let (xmin, count) = c.bounds[xx]
                var s0 = half, s1 = half, s2 = half
                for x in 0..<count {
                    let w = c.weights[xx * c.ksize + x]
                    let p = (y * inW + xmin + x) * 3
                    s0 &+= Int32(image.pixels[p]) &* w
                    s1 &+= Int32(image.pixels[p + 1]) &* w
                    s2 &+= Int32(image.pixels[p + 2]) &* w
                }
                let o = (y * outWidth + xx) * 3
                out[o] = clampByte(s0, precision)
                out[o + 1] = clampByte(s1, precision)
                out[o + 2] = clampByte(s2, precision)
            }
        }
        return RGBImage(width: outWidth, height: h, pixels: out)
    }

    static func scalarVertical(_ image: RGBImage, outHeight: Int, _ c: FixedPointCoefficients) -> RGBImage {
        let rowBytes = image.width * 3
        let precision = Int32(c.precision)
        let half = Int32(1) << (precision - 1)
        var out = [UInt8](repeating: 0, count: rowBytes * outHeight)
        for yy in 0..<outHeight {
            let (ymin, count) = c.bounds[yy]
            for i in 0..<rowBytes {
                var s = half
                for y in 0..<count {
                    s &+= Int32(image.pixels[(ymin + y) * rowBytes + i]) &* c.weights[yy * c.ksize + y]
                }
                out[yy * rowBytes + i] = clampByte(s, precision)
            }
        }
        return RGBImage(width: image.width, height: outHeight, pixels: out)
    }
}
