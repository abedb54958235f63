import MMPrepCore

/// The row/column layout the Qwen processors give `pixel_values`:
///
///     row = g*gh*gw + ((bh*(gw/m) + bw)*m + mh)*m + mw
///     col = ((c*T + t)*p + py)*p + px
///     value = frame[g*T + t][c][(bh*m + mh)*p + py][(bw*m + mw)*p + px]
public struct PatchLayout: Sendable, Equatable {
    public var patchSize: Int
    public var mergeSize: Int
    public var temporalPatchSize: Int

    public init(patchSize: Int, mergeSize: Int, temporalPatchSize: Int) {
        self.patchSize = patchSize
        self.mergeSize = mergeSize
        self.temporalPatchSize = temporalPatchSize
    }

    public var factor: Int { patchSize * mergeSize }
    public var columns: Int { 3 * temporalPatchSize * patchSize * patchSize }
}

/// The patches of one image or video and their grid.
public struct PatchTensor: Sendable {
    /// Row-major [rows, columns] in `dtype`, little-endian bytes.
    public var bytes: [UInt8]
    public var rows: Int
    public var columns: Int
    public var dtype: TensorDType
    /// (t, h, w) in patches.
    public var grid: (t: Int, h: Int, w: Int)
}

/// Normalises and patchifies resized frames in one pass.
public struct Patchifier: Sendable {
    public var layout: PatchLayout
    public var normalization: Normalization
    public var arithmetic: Normalization.Arithmetic
    public var dtype: TensorDType
    private let table: [Float]

    public init(layout: PatchLayout, normalization: Normalization,
                arithmetic: Normalization.Arithmetic = .rescaleThenNormalize, dtype: TensorDType = .float32) {
        self.layout = layout
        self.normalization = normalization
        self.arithmetic = arithmetic
        self.dtype = dtype
        self.table = normalization.lookupTable(arithmetic)
    }

    /// `frames` are already padded to a multiple of T (an image is passed T times) and share
    /// one size, a multiple of patch*merge.
    public func patchify(_ frames: [RGBImage]) -> PatchTensor {
        let p = layout.patchSize, m = layout.mergeSize, tp = layout.temporalPatchSize
        precondition(!frames.isEmpty && frames.count % tp == 0, "frames must be padded to a multiple of T")
        let h = frames[0].height, w = frames[0].width
        precondition(h % (p * m) == 0 && w % (p * m) == 0, "size \(w)x\(h) is not a multiple of \(p * m)")
        let gt = frames.count / tp, gh = h / p, gw = w / p
        let rows = gt * gh * gw, cols = layout.columns
        let elementWidth = dtype.byteWidth
        var bytes = [UInt8](repeating: 0, count: rows * cols * elementWidth)
        let dtype = self.dtype
        table.withUnsafeBufferPointer { lut in
            bytes.withUnsafeMutableBytes { raw in
                var row = 0
                for g in 0..<gt {
                    for bh in 0..<(gh / m) {
                        for bw in 0..<(gw / m) {
                            for mh in 0..<m {
                                for mw in 0..<m {
                                    let y0 = (bh * m + mh) * p, x0 = (bw * m + mw) * p
                                    var col = 0
                                    let base = row * cols
                                    for c in 0..<3 {
                                        let lutc = lut.baseAddress! + c * 256
                                        for t in 0..<tp {
                                            frames[g * tp + t].pixels.withUnsafeBufferPointer { px in
                                                for py in 0..<p {
                                                    let src = px.baseAddress! + ((y0 + py) * w + x0) * 3 + c
                                                    for pxi in 0..<p {
                                                        let v = src[pxi * 3]
                                                        let i = base + col
                                                        switch dtype {
                                                        case .float32:
                                                            raw.storeBytes(of: lutc[Int(v)].bitPattern.littleEndian,
                                                                           toByteOffset: i * 4, as: UInt32.self)
                                                        case .bfloat16:
                                                            raw.storeBytes(of: TensorDType.bfloat16Bits(lutc[Int(v)]).littleEndian,
                                                                           toByteOffset: i * 2, as: UInt16.self)
                                                        case .float16:
                                                            raw.storeBytes(of: TensorDType.float16Bits(lutc[Int(v)]).littleEndian,
                                                                           toByteOffset: i * 2, as: UInt16.self)
                                                        case .uint8:
                                                            raw[i] = v
                                                        }
                                                        col += 1
                                                    }
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
        return PatchTensor(bytes: bytes, rows: rows, columns: cols, dtype: dtype, grid: (gt, gh, gw))
    }
}
