import MMPrepCore
import MMPrepPreprocess
import Testing

struct PatchifierTests {
    /// Every output value traced back to its source pixel through the documented formula.
    @Test func layoutMatchesTheReferenceFormula() {
        let p = 2, m = 2, tp = 2
        let w = 8, h = 4
        let frames: [RGBImage] = (0..<4).map { f in
            RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { UInt8(($0 * 7 + f * 31) % 256) })
        }
        let patchifier = Patchifier(layout: PatchLayout(patchSize: p, mergeSize: m, temporalPatchSize: tp),
                                    normalization: Normalization(mean: [0, 0, 0], std: [1, 1, 1]), dtype: .uint8)
        let out = patchifier.patchify(frames)
        let gh = h / p, gw = w / p
        #expect(out.grid == (2, gh, gw) as (Int, Int, Int))
        #expect(out.rows == 2 * gh * gw && out.columns == 3 * tp * p * p)
        for g in 0..<2 { for bh in 0..<(gh / m) { for bw in 0..<(gw / m) { for mh in 0..<m { for mw in 0..<m {
            let row = g * gh * gw + ((bh * (gw / m) + bw) * m + mh) * m + mw
            for c in 0..<3 { for t in 0..<tp { for py in 0..<p { for px in 0..<p {
                let col = ((c * tp + t) * p + py) * p + px
                let y = (bh * m + mh) * p + py, x = (bw * m + mw) * p + px
                #expect(out.bytes[row * out.columns + col] == frames[g * tp + t].pixels[(y * w + x) * 3 + c])
            } } } }
        } } } } }
    }

    @Test func normalisationFollowsNumpyOrder() {
        let table = Normalization.openAICLIP.lookupTable()
        for c in 0..<3 {
            for v in [0, 1, 127, 128, 254, 255] {
                let x = Float(Double(v) * (1.0 / 255.0))
                let expected = (x - Float(Normalization.openAICLIP.mean[c])) / Float(Normalization.openAICLIP.std[c])
                #expect(table[c * 256 + v].bitPattern == expected.bitPattern)
            }
        }
    }

    @Test func fusedNormalisationFollowsTorchOrder() {
        let n = Normalization.openAICLIP
        let table = n.lookupTable(.fused)
        for c in 0..<3 {
            let m = Float(n.mean[c]) * Float(255), s = Float(n.std[c]) * Float(255)
            for v in 0..<256 {
                #expect(table[c * 256 + v].bitPattern == ((Float(v) - m) / s).bitPattern)
                // Within 2.4e-7 of the NumPy order, as the reference note says.
                #expect(abs(table[c * 256 + v] - n.lookupTable()[c * 256 + v]) <= 2.4e-7)
            }
        }
        // float32(mean) * float32(255) is not float32(mean * 255) for CLIP: the order matters.
        #expect((0..<3).contains { Float(n.mean[$0]) * Float(255) != Float(n.mean[$0] * 255) }
                || (0..<3).contains { Float(n.std[$0]) * Float(255) != Float(n.std[$0] * 255) })
    }

    @Test func halfPrecisionRoundsToNearestEven() {
        // 1 + 2^-8 is exactly between two bfloat16 values: ties go to the even one (1.0).
        #expect(TensorDType.bfloat16Bits(1 + 1.0 / 256) == 0x3F80)
        // 1 + 3*2^-8 ties up to the even 1 + 2^-6... i.e. 0x3F82.
        #expect(TensorDType.bfloat16Bits(1 + 3.0 / 256) == 0x3F82)
        #expect(TensorDType.bfloat16Bits(-2.5) == 0xC020)
        #expect(TensorDType.float16Bits(1 + 1.0 / 2048) == 0x3C00)
        #expect(TensorDType.float16Bits(65504) == 0x7BFF)
    }
}
