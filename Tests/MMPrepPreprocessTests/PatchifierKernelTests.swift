import MMPrepCore
import MMPrepPreprocess
import Testing

/// The fast patchify kernel against a plain, one-value-at-a-time reading of the layout formula:
/// every dtype, both arithmetics, the presets' patch/merge/temporal sizes and a few others, images
/// (one frame passed T times) and videos (distinct frames, a padded last frame), byte for byte.
struct PatchifierKernelTests {
    /// xorshift64*: fixed, reproducible noise.
    struct Noise {
        var s: UInt64
        mutating func next() -> UInt64 {
            s ^= s >> 12; s ^= s << 25; s ^= s >> 27
            return s &* 2685821657736338717
        }
        mutating func image(width: Int, height: Int) -> RGBImage {
            RGBImage(width: width, height: height,
                     pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: next() >> 56) })
        }
    }

    /// The straightforward implementation: normalise each sample in float32 in the reference's
    /// order, convert, and store at the index the layout formula gives.
    static func reference(_ frames: [RGBImage], layout: PatchLayout, normalization: Normalization,
                          arithmetic: Normalization.Arithmetic, dtype: TensorDType) -> [UInt8] {
        let p = layout.patchSize, m = layout.mergeSize, tp = layout.temporalPatchSize
        let h = frames[0].height, w = frames[0].width
        let gt = frames.count / tp, gh = h / p, gw = w / p
        let cols = layout.columns
        var out = [UInt8](repeating: 0xEE, count: gt * gh * gw * cols * dtype.byteWidth)
        func normalised(_ v: UInt8, _ c: Int) -> Float {
            switch arithmetic {
            case .rescaleThenNormalize:
                let x = Float(Double(v) * (1.0 / 255.0))
                return (x - Float(normalization.mean[c])) / Float(normalization.std[c])
            case .fused:
                return (Float(v) - Float(normalization.mean[c]) * Float(255)) / (Float(normalization.std[c]) * Float(255))
            }
        }
        for g in 0..<gt { for bh in 0..<(gh / m) { for bw in 0..<(gw / m) { for mh in 0..<m { for mw in 0..<m {
            let row = g * gh * gw + ((bh * (gw / m) + bw) * m + mh) * m + mw
            for c in 0..<3 { for t in 0..<tp { for py in 0..<p { for px in 0..<p {
                let col = ((c * tp + t) * p + py) * p + px
                let y = (bh * m + mh) * p + py, x = (bw * m + mw) * p + px
                let v = frames[g * tp + t].pixels[(y * w + x) * 3 + c]
                let i = row * cols + col
                switch dtype {
                case .uint8:
                    out[i] = v
                case .float32:
                    let b = normalised(v, c).bitPattern
                    for k in 0..<4 { out[i * 4 + k] = UInt8(truncatingIfNeeded: b >> (8 * k)) }
                case .bfloat16:
                    let f = normalised(v, c)
                    // Round to nearest even on the top 16 bits.
                    let bits = f.bitPattern
                    let b = f.isNaN ? UInt16(0x7FC0) : UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
                    out[i * 2] = UInt8(truncatingIfNeeded: b); out[i * 2 + 1] = UInt8(truncatingIfNeeded: b >> 8)
                case .float16:
                    let b = Float16(normalised(v, c)).bitPattern
                    out[i * 2] = UInt8(truncatingIfNeeded: b); out[i * 2 + 1] = UInt8(truncatingIfNeeded: b >> 8)
                }
            } } } }
        } } } } }
        return out
    }

    struct Shape: Sendable, CustomStringConvertible {
        var p: Int, m: Int, tp: Int
        var description: String { "p\(p) m\(m) T\(tp)" }
    }

    // qwen2-vl / qwen2.5-vl (14, 2, 2), qwen3-vl (16, 2, 2), and odd ones for the general paths.
    static let shapes = [Shape(p: 14, m: 2, tp: 2), Shape(p: 16, m: 2, tp: 2), Shape(p: 2, m: 1, tp: 1),
                         Shape(p: 3, m: 2, tp: 3), Shape(p: 4, m: 1, tp: 4)]

    @Test(arguments: TensorDType.allCases, shapes)
    func matchesReference(dtype: TensorDType, shape: Shape) {
        var noise = Noise(s: 0x5EED ^ UInt64(shape.p * 131 + shape.tp * 7 + dtype.byteWidth))
        let layout = PatchLayout(patchSize: shape.p, mergeSize: shape.m, temporalPatchSize: shape.tp)
        let f = layout.factor
        for (norm, arithmetic) in [(Normalization.openAICLIP, Normalization.Arithmetic.rescaleThenNormalize),
                                   (.openAICLIP, .fused), (.half, .rescaleThenNormalize), (.half, .fused)] {
            let patchifier = Patchifier(layout: layout, normalization: norm, arithmetic: arithmetic, dtype: dtype)
            let w = f * 3, h = f * 2
            // An image: one frame passed T times (shared storage).
            let image = noise.image(width: w, height: h)
            let imageFrames = Array(repeating: image, count: shape.tp)
            // A video: distinct frames, the last group padded by repeating the last frame.
            var videoFrames = (0..<(2 * shape.tp - 1)).map { _ in noise.image(width: w, height: h) }
            videoFrames.append(videoFrames.last!)
            // Equal contents in separate storage.
            let copies = (0..<shape.tp).map { _ in RGBImage(width: w, height: h, pixels: Array(image.pixels)) }
            for frames in [imageFrames, videoFrames, copies] {
                let expected = Self.reference(frames, layout: layout, normalization: norm, arithmetic: arithmetic,
                                              dtype: dtype)
                let out = patchifier.patchify(frames)
                #expect(out.rows == frames.count / shape.tp * (h / shape.p) * (w / shape.p))
                #expect(out.columns == layout.columns && out.dtype == dtype)
                #expect(out.bytes == expected, "\(dtype) \(shape) \(norm.mean[0]) \(arithmetic)")
                // Reusing a buffer gives the same bytes, shared or not.
                var buffer = [UInt8](repeating: 0x11, count: expected.count)
                let kept = buffer
                let reused = patchifier.patchify(frames, reusing: &buffer)
                #expect(reused.bytes == expected)
                #expect(kept.allSatisfy { $0 == 0x11 }, "a shared buffer must not be written")
                let again = patchifier.patchify(frames, reusing: &buffer)
                #expect(again.bytes == expected)
                var wrongSize = [UInt8](repeating: 0, count: 5)
                #expect(patchifier.patchify(frames, reusing: &wrongSize).bytes == expected)
            }
        }
    }

    /// Every one of the 256 values of every channel goes through the table unchanged.
    @Test(arguments: TensorDType.allCases)
    func everySampleValue(dtype: TensorDType) {
        let layout = PatchLayout(patchSize: 16, mergeSize: 1, temporalPatchSize: 1)
        var px = [UInt8](repeating: 0, count: 16 * 16 * 3)
        for i in 0..<(16 * 16) { px[i * 3] = UInt8(i); px[i * 3 + 1] = UInt8(255 - i); px[i * 3 + 2] = UInt8((i * 7) & 255) }
        let frames = [RGBImage(width: 16, height: 16, pixels: px)]
        for arithmetic in [Normalization.Arithmetic.rescaleThenNormalize, .fused] {
            let out = Patchifier(layout: layout, normalization: .openAICLIP, arithmetic: arithmetic, dtype: dtype)
                .patchify(frames)
            #expect(out.bytes == Self.reference(frames, layout: layout, normalization: .openAICLIP,
                                                arithmetic: arithmetic, dtype: dtype))
        }
    }
}
