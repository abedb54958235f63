import MMPrepCore

/// Why patch bytes could not be turned back into frames.
public struct UnpatchifyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The exact inverse of `Patchifier.patchify`: patch rows back to the `gt*T` frames they came from.
///
/// Float values are de-normalised as `round((x*std + mean) * 255)` (in double precision, to
/// nearest, clamped to 0...255); `uint8` patches are the pixels themselves. Normalising an 8-bit
/// value in float32 or float16 and de-normalising it gives the value back exactly for both presets'
/// mean/std; bfloat16 keeps too few bits for that (see UnpatchifierTests).
public struct Unpatchifier: Sendable {
    public var layout: PatchLayout
    public var normalization: Normalization

    public init(layout: PatchLayout, normalization: Normalization) {
        self.layout = layout
        self.normalization = normalization
    }

    public func unpatchify(_ tensor: PatchTensor) throws(UnpatchifyError) -> [RGBImage] {
        try unpatchify(tensor.bytes, dtype: tensor.dtype, rows: tensor.rows, grid: tensor.grid)
    }

    /// `bytes` are row-major [rows, 3*T*p*p] little-endian values of `dtype`; `grid` is (t, h, w)
    /// in patches. Returns the frames in temporal order (an image comes back T times).
    public func unpatchify(_ bytes: [UInt8], dtype: TensorDType, rows: Int,
                           grid: (t: Int, h: Int, w: Int)) throws(UnpatchifyError) -> [RGBImage] {
        let p = layout.patchSize, m = layout.mergeSize, tp = layout.temporalPatchSize
        let (gt, gh, gw) = grid
        guard p > 0, m > 0, tp > 0, gt > 0, gh > 0, gw > 0 else {
            throw UnpatchifyError(message: "grid [\(gt), \(gh), \(gw)] or layout p=\(p) m=\(m) T=\(tp) is empty")
        }
        guard gh % m == 0, gw % m == 0 else {
            throw UnpatchifyError(message: "grid [\(gt), \(gh), \(gw)] is not a multiple of merge size \(m)")
        }
        guard rows == gt * gh * gw else {
            throw UnpatchifyError(message: "\(rows) rows, but grid [\(gt), \(gh), \(gw)] needs \(gt * gh * gw)")
        }
        let cols = layout.columns
        guard bytes.count == rows * cols * dtype.byteWidth else {
            throw UnpatchifyError(message: "\(bytes.count) bytes for \(rows) rows of \(cols) \(dtype.rawValue) values "
                                  + "(expected \(rows * cols * dtype.byteWidth)); is the layout p=\(p) T=\(tp) right?")
        }
        let values = eightBit(bytes, dtype: dtype, count: rows * cols)
        let h = gh * p, w = gw * p
        let frameBytes = h * w * 3
        var out = [UInt8](repeating: 0, count: gt * tp * frameBytes)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for g in 0..<gt {
                    for bh in 0..<(gh / m) {
                        for bw in 0..<(gw / m) {
                            for mh in 0..<m {
                                for mw in 0..<m {
                                    let y0 = (bh * m + mh) * p, x0 = (bw * m + mw) * p
                                    var col = row * cols
                                    for c in 0..<3 {
                                        for t in 0..<tp {
                                            let frame = (g * tp + t) * frameBytes
                                            for py in 0..<p {
                                                var d = frame + ((y0 + py) * w + x0) * 3 + c
                                                for _ in 0..<p {
                                                    dst[d] = src[col]
                                                    d += 3
                                                    col += 1
                                                }
                                            }
                                        }
                                    }
                                    row += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<(gt * tp)).map { f in
            RGBImage(width: w, height: h, pixels: Array(out[(f * frameBytes)..<((f + 1) * frameBytes)]))
        }
    }

    /// Every value as an 8-bit sample, in tensor order (the channel of column `col` is
    /// `col / (T*p*p)`).
    func eightBit(_ bytes: [UInt8], dtype: TensorDType, count: Int) -> [UInt8] {
        if dtype == .uint8 { return bytes }
        let perChannel = layout.temporalPatchSize * layout.patchSize * layout.patchSize
        let cols = layout.columns
        let mean = normalization.mean, std = normalization.std
        var out = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let x: Float
                switch dtype {
                case .float32:
                    x = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                case .bfloat16:
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    x = Float(bitPattern: UInt32(bits) << 16)
                case .float16:
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    x = Float(Float16(bitPattern: bits))
                case .uint8:
                    x = Float(raw[i])
                }
                let c = (i % cols) / perChannel
                out[i] = Self.denormalize(x, mean: mean[c], std: std[c])
            }
        }
        return out
    }

    /// `round((x*std + mean) * 255)` clamped to 0...255 (NaN gives 0).
    @inline(__always)
    public static func denormalize(_ x: Float, mean: Double, std: Double) -> UInt8 {
        let v = ((Double(x) * std + mean) * 255).rounded(.toNearestOrAwayFromZero)
        guard !v.isNaN else { return 0 }
        return UInt8(min(max(v, 0), 255))
    }
}
