import MMPrepCore
import MMPrepPreprocess
import Testing

struct UnpatchifierTests {
    /// A deterministic generator (SplitMix64), so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func image(width: Int, height: Int) -> RGBImage {
            RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: next()) })
        }
    }

    static let layouts = [
        PatchLayout(patchSize: 14, mergeSize: 2, temporalPatchSize: 2),
        PatchLayout(patchSize: 16, mergeSize: 2, temporalPatchSize: 2),
        PatchLayout(patchSize: 3, mergeSize: 3, temporalPatchSize: 3),
        PatchLayout(patchSize: 2, mergeSize: 1, temporalPatchSize: 1),
    ]

    /// gt*T random frames of (gh*p) x (gw*p).
    static func frames(_ layout: PatchLayout, gt: Int, bh: Int, bw: Int, seed: UInt64) -> [RGBImage] {
        var rng = Random(state: seed)
        let f = layout.factor
        return (0..<(gt * layout.temporalPatchSize)).map { _ in rng.image(width: bw * f, height: bh * f) }
    }

    @Test(arguments: TensorDType.allCases.filter { $0 != .bfloat16 })
    func patchifyThenUnpatchifyIsTheIdentity(dtype: TensorDType) throws {
        for (i, layout) in Self.layouts.enumerated() {
            for normalization in [Normalization.openAICLIP, .half] {
                for arithmetic in [Normalization.Arithmetic.rescaleThenNormalize, .fused] {
                    let frames = Self.frames(layout, gt: 3, bh: 2, bw: 3, seed: UInt64(i * 7 + 1))
                    let patches = Patchifier(layout: layout, normalization: normalization, arithmetic: arithmetic,
                                             dtype: dtype).patchify(frames)
                    let back = try Unpatchifier(layout: layout, normalization: normalization).unpatchify(patches)
                    #expect(back == frames, "\(dtype) p=\(layout.patchSize) m=\(layout.mergeSize) T=\(layout.temporalPatchSize)")
                }
            }
        }
    }

    /// The claim behind reconstructing 8-bit pixels from float patches: for every 8-bit value and
    /// channel of both presets' mean/std, normalising (both arithmetic orders) and de-normalising
    /// gives the value back exactly in float32 and float16. bfloat16 (8 significant bits) does not:
    /// the CLIP preset is off by up to 1 for some values; the 0.5 preset survives exactly.
    @Test func everyEightBitValueSurvivesNormalisation() {
        for normalization in [Normalization.openAICLIP, .half] {
            for arithmetic in [Normalization.Arithmetic.rescaleThenNormalize, .fused] {
                let table = normalization.lookupTable(arithmetic)
                var worstBF16 = 0
                for c in 0..<3 {
                    for v in 0..<256 {
                        let x = table[c * 256 + v]
                        let m = normalization.mean[c], s = normalization.std[c]
                        #expect(Int(Unpatchifier.denormalize(x, mean: m, std: s)) == v, "float32 c=\(c) v=\(v)")
                        let half = Float(Float16(bitPattern: TensorDType.float16Bits(x)))
                        #expect(Int(Unpatchifier.denormalize(half, mean: m, std: s)) == v, "float16 c=\(c) v=\(v)")
                        let bf = Float(bitPattern: UInt32(TensorDType.bfloat16Bits(x)) << 16)
                        worstBF16 = max(worstBF16, abs(Int(Unpatchifier.denormalize(bf, mean: m, std: s)) - v))
                    }
                }
                #expect(worstBF16 == (normalization == .half ? 0 : 1), "bfloat16 worst error \(worstBF16)")
            }
        }
    }

    @Test func bfloat16ComesBackWithinOne() throws {
        let layout = Self.layouts[0]
        let frames = Self.frames(layout, gt: 2, bh: 1, bw: 2, seed: 99)
        let patches = Patchifier(layout: layout, normalization: .openAICLIP, dtype: .bfloat16).patchify(frames)
        let back = try Unpatchifier(layout: layout, normalization: .openAICLIP).unpatchify(patches)
        for (a, b) in zip(back, frames) {
            #expect(zip(a.pixels, b.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        }
    }

    @Test func anImageComesBackTTimes() throws {
        let layout = Self.layouts[1]
        let image = Self.frames(layout, gt: 1, bh: 2, bw: 1, seed: 5)[0]
        let patches = Patchifier(layout: layout, normalization: .half).patchify([image, image])
        let back = try Unpatchifier(layout: layout, normalization: .half).unpatchify(patches)
        #expect(back == [image, image])
    }

    @Test func valuesOutsideTheRangeAreClamped() {
        #expect(Unpatchifier.denormalize(10, mean: 0.5, std: 0.5) == 255)
        #expect(Unpatchifier.denormalize(-10, mean: 0.5, std: 0.5) == 0)
        #expect(Unpatchifier.denormalize(.nan, mean: 0.5, std: 0.5) == 0)
        #expect(Unpatchifier.denormalize(.infinity, mean: 0.5, std: 0.5) == 255)
    }

    @Test func inconsistentShapesAreErrors() {
        let layout = Self.layouts[0]
        let u = Unpatchifier(layout: layout, normalization: .half)
        let bytes = [UInt8](repeating: 0, count: 4 * layout.columns)
        #expect(throws: UnpatchifyError.self) { try u.unpatchify(bytes, dtype: .uint8, rows: 4, grid: (1, 2, 3)) }
        #expect(throws: UnpatchifyError.self) { try u.unpatchify(bytes, dtype: .uint8, rows: 4, grid: (1, 1, 4)) }
        #expect(throws: UnpatchifyError.self) { try u.unpatchify(bytes, dtype: .float32, rows: 4, grid: (1, 2, 2)) }
        #expect(throws: UnpatchifyError.self) { try u.unpatchify([], dtype: .uint8, rows: 0, grid: (0, 2, 2)) }
        #expect((try? u.unpatchify(bytes, dtype: .uint8, rows: 4, grid: (1, 2, 2)))?.count == 2)
    }
}
