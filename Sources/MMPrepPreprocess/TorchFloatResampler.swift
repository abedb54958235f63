/// The passes of torch's generic float32 separable kernel (`TorchBicubic.resizeFloat`), eight
/// lanes at a time: across a row in the vertical pass, across the eight rows of a transposed
/// strip in the horizontal pass.
///
/// Each output is `t0 * w0`, then `+ tj * wj` for the leading taps (product and sum rounded
/// separately) and fused multiply-adds for the last `fusedTail(n)` taps, as torch's compiled
/// loop does. x86-64-v2 has no FMA instruction, so the fused steps use `fusedMultiplyAdd`, in
/// double precision with an exact fallback; the scalar loops (`scalarHorizontal`, `scalarVertical`)
/// use `Float.addingProduct` (correctly rounded) and are what the tests compare against.
enum TorchFloatResampler {
    typealias Lanes = SIMD8<Float>
    static let lanes = 8

    /// `a * b + c` rounded once. `a * b` is exact in double and `s = a*b + c` is rounded to
    /// double; rounding `s` to float gives the correctly rounded result unless `s` is exactly
    /// halfway between two floats (the only case where rounding twice can go wrong: the exact
    /// sum may lie just off that tie) or outside the range of normal floats (zero excepted).
    /// Those lanes, which need an exact sum of 75 bits and more, are recomputed with
    /// `Float.addingProduct` (libm's correctly rounded `fmaf`); they are rare in pixel data.
    @inline(__always)
    static func fusedMultiplyAdd(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes {
        let lo = fusedMultiplyAdd4(a.lowHalf, b.lowHalf, c.lowHalf)
        let hi = fusedMultiplyAdd4(a.highHalf, b.highHalf, c.highHalf)
        return Lanes(lowHalf: lo, highHalf: hi)
    }

    @inline(__always)
    static func fusedMultiplyAdd4(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>) -> SIMD4<Float> {
        let s = SIMD4<Double>(a) * SIMD4<Double>(b) + SIMD4<Double>(c)
        let bits = unsafeBitCast(s, to: SIMD4<Int64>.self)
        // The 29 bits of a double's significand below a float's: a tie is 1 followed by zeros.
        let tie = (bits & 0x1FFF_FFFF) .== 0x1000_0000
        // |s| outside [2^-126, 2^128): float subnormals round at another bit, overflow is near.
        let magnitude = unsafeBitCast(bits & Int64.max, to: SIMD4<Double>.self)
        let outside = ((magnitude .< 0x1p-126) .& (magnitude .!= 0)) .| (magnitude .>= 0x1p128)
        if _slowPath(any(tie .| outside)) { return exactFusedMultiplyAdd(a, b, c) }
        return SIMD4<Float>(s)
    }

    @inline(never)
    static func exactFusedMultiplyAdd(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>) -> SIMD4<Float> {
        SIMD4(c[0].addingProduct(a[0], b[0]), c[1].addingProduct(a[1], b[1]),
              c[2].addingProduct(a[2], b[2]), c[3].addingProduct(a[3], b[3]))
    }

    /// uint8 samples as floats (`x.float()`).
    static func floats(_ bytes: [UInt8]) -> [Float] {
        [Float](unsafeUninitializedCapacity: bytes.count) { out, initialized in
            bytes.withUnsafeBufferPointer { src in
                let n = lanes
                var i = 0
                while i + n <= src.count {
                    let v = UnsafeRawPointer(src.baseAddress! + i).loadUnaligned(as: SIMD8<UInt8>.self)
                    UnsafeMutableRawPointer(out.baseAddress! + i).storeBytes(of: Lanes(SIMD8<Int32>(truncatingIfNeeded: v)),
                                                                             as: Lanes.self)
                    i += n
                }
                while i < src.count {
                    out[i] = Float(src[i])
                    i += 1
                }
            }
            initialized = bytes.count
        }
    }

    /// `clamp(0, 255)`, round half to even, uint8.
    static func bytes(_ plane: [Float]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: plane.count) { out, initialized in
            plane.withUnsafeBufferPointer { src in
                let n = lanes
                var i = 0
                while i + n <= src.count {
                    // Adding 2^23 rounds a value in [0, 255] to an integer, half to even, and leaves
                    // that integer in the low bits of the float's encoding.
                    let v = load(src.baseAddress! + i).clamped(lowerBound: .zero, upperBound: Lanes(repeating: 255))
                        + Lanes(repeating: 0x1p23)
                    UnsafeMutableRawPointer(out.baseAddress! + i)
                        .storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: unsafeBitCast(v, to: SIMD8<UInt32>.self)),
                                    as: SIMD8<UInt8>.self)
                    i += n
                }
                while i < src.count {
                    out[i] = UInt8(min(max(src[i], 0), 255).rounded(.toNearestOrEven))
                    i += 1
                }
            }
            initialized = plane.count
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }

    static func horizontal(_ plane: [Float], width inW: Int, height h: Int, outWidth: Int,
                           _ c: TorchBicubic.FloatCoefficients) -> [Float] {
        let rowIn = inW * 3, rowOut = outWidth * 3, n = lanes
        var strip = [Float](repeating: 0, count: rowIn * n)
        var stripOut = [Float](repeating: 0, count: rowOut * n)
        var out = [Float](repeating: 0, count: rowOut * h)
        plane.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { wts in
                c.bounds.withUnsafeBufferPointer { bounds in
                    strip.withUnsafeMutableBufferPointer { tb in
                        stripOut.withUnsafeMutableBufferPointer { ob in
                            out.withUnsafeMutableBufferPointer { dst in
                                let t = tb.baseAddress!, o = ob.baseAddress!
                                var y0 = 0
                                while y0 < h {
                                    let rows = min(n, h - y0)
                                    // Sample i of row r at t[i * n + r].
                                    for r in 0..<rows {
                                        let s = src.baseAddress! + (y0 + r) * rowIn
                                        for i in 0..<rowIn { t[i * n + r] = s[i] }
                                    }
                                    for xx in 0..<outWidth {
                                        let (xmin, count) = bounds[xx]
                                        let k = wts.baseAddress! + xx * c.ksize
                                        let plain = count - TorchBicubic.fusedTail(count)
                                        var p = t + xmin * 3 * n
                                        let w0 = Lanes(repeating: k[0])
                                        var a0 = load(p) * w0, a1 = load(p + n) * w0, a2 = load(p + 2 * n) * w0
                                        var j = 1
                                        while j < plain {
                                            p += 3 * n
                                            let w = Lanes(repeating: k[j])
                                            a0 = a0 + load(p) * w
                                            a1 = a1 + load(p + n) * w
                                            a2 = a2 + load(p + 2 * n) * w
                                            j += 1
                                        }
                                        while j < count {
                                            p += 3 * n
                                            let w = Lanes(repeating: k[j])
                                            a0 = fusedMultiplyAdd(load(p), w, a0)
                                            a1 = fusedMultiplyAdd(load(p + n), w, a1)
                                            a2 = fusedMultiplyAdd(load(p + 2 * n), w, a2)
                                            j += 1
                                        }
                                        let at = o + xx * 3 * n
                                        store(a0, at)
                                        store(a1, at + n)
                                        store(a2, at + 2 * n)
                                    }
                                    for r in 0..<rows {
                                        let d = dst.baseAddress! + (y0 + r) * rowOut
                                        for i in 0..<rowOut { d[i] = o[i * n + r] }
                                    }
                                    y0 += rows
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    static func vertical(_ plane: [Float], width w: Int, height inH: Int, outHeight: Int,
                         _ c: TorchBicubic.FloatCoefficients) -> [Float] {
        let rowElems = w * 3, n = lanes
        var out = [Float](repeating: 0, count: rowElems * outHeight)
        plane.withUnsafeBufferPointer { src in
            c.weights.withUnsafeBufferPointer { wts in
                out.withUnsafeMutableBufferPointer { dst in
                    for yy in 0..<outHeight {
                        let orow = dst.baseAddress! + yy * rowElems
                        if w == 1 && yy > 0 {
                            // torch repeats output row 0 (see TorchBicubic.resizeFloat).
                            for i in 0..<rowElems { orow[i] = dst[i] }
                            continue
                        }
                        let (ymin, count) = c.bounds[yy]
                        let k = wts.baseAddress! + yy * c.ksize
                        let plain = count - TorchBicubic.fusedTail(count)
                        let top = src.baseAddress! + ymin * rowElems
                        var i = 0
                        while i + n <= rowElems {
                            var p = top + i
                            var a = load(p) * Lanes(repeating: k[0])
                            var j = 1
                            while j < plain {
                                p += rowElems
                                a = a + load(p) * Lanes(repeating: k[j])
                                j += 1
                            }
                            while j < count {
                                p += rowElems
                                a = fusedMultiplyAdd(load(p), Lanes(repeating: k[j]), a)
                                j += 1
                            }
                            store(a, orow + i)
                            i += n
                        }
                        while i < rowElems {
                            var p = top + i
                            var a = p.pointee * k[0]
                            var j = 1
                            while j < count {
                                p += rowElems
                                a = j < plain ? a + p.pointee * k[j] : a.addingProduct(p.pointee, k[j])
                                j += 1
                            }
                            orow[i] = a
                            i += 1
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: - Scalar reference

    /// One output at a time, fused steps through `Float.addingProduct` (used by the tests).
    static func scalarHorizontal(_ plane: [Float], width inW: Int, height h: Int, outWidth: Int,
                                 _ c: TorchBicubic.FloatCoefficients) -> [Float] {
        var out = [Float](repeating: 0, count: outWidth * h * 3)
        for y in 0..<h {
            for xx in 0..<outWidth {
                let (xmin, count) = c.bounds[xx]
                let plain = count - TorchBicubic.fusedTail(count)
                for ch in 0..<3 {
                    let at = { (j: Int) in plane[(y * inW + xmin + j) * 3 + ch] }
                    var a = at(0) * c.weights[xx * c.ksize]
                    for j in 1..<max(count, 1) {
                        let w = c.weights[xx * c.ksize + j]
                        a = j < plain ? a + at(j) * w : a.addingProduct(at(j), w)
                    }
                    out[(y * outWidth + xx) * 3 + ch] = a
                }
            }
        }
        return out
    }

    static func scalarVertical(_ plane: [Float], width w: Int, height inH: Int, outHeight: Int,
                               _ c: TorchBicubic.FloatCoefficients) -> [Float] {
        let rowElems = w * 3
        var out = [Float](repeating: 0, count: rowElems * outHeight)
        for yy in 0..<outHeight {
            for i in 0..<rowElems {
                if w == 1 && yy > 0 {
                    out[yy * rowElems + i] = out[i]
                    continue
                }
                let (ymin, count) = c.bounds[yy]
                let plain = count - TorchBicubic.fusedTail(count)
                var a = plane[ymin * rowElems + i] * c.weights[yy * c.ksize]
                for j in 1..<max(count, 1) {
                    let v = plane[(ymin + j) * rowElems + i], wj = c.weights[yy * c.ksize + j]
                    a = j < plain ? a + v * wj : a.addingProduct(v, wj)
                }
                out[yy * rowElems + i] = a
            }
        }
        return out
    }
}
