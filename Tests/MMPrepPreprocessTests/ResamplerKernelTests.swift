import MMPrepCore
@testable import MMPrepPreprocess
import Testing

/// The SIMD resize passes against the plain per-sample loops they replace, byte for byte, with
/// Pillow's and torch's uint8 weights: sizes that are not multiples of the 16 lanes, fewer rows
/// than a strip, one-pixel images, slight and large up- and downscales.
struct ResamplerKernelTests {
    static let sizes: [(w: Int, h: Int, ow: Int, oh: Int)] = [
        (1280, 720, 1288, 728), (1280, 720, 1280, 704), (644, 476, 640, 480), (37, 5, 200, 3), (3, 9, 101, 2),
        (1, 1, 1, 7), (1, 1, 5, 1), (17, 33, 16, 32), (1000, 17, 20, 40), (50, 300, 7, 299), (16, 16, 48, 5),
        (641, 15, 97, 16),
    ]

    static func noise(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var noise = PatchifierKernelTests.Noise(s: seed)
        return noise.image(width: width, height: height)
    }

    /// Where two images first differ ("size" or "byte N: a vs b"), nil when identical.
    static func firstDifference(_ a: RGBImage, _ b: RGBImage) -> String? {
        guard a.width == b.width, a.height == b.height, a.pixels.count == b.pixels.count else {
            return "size \(a.width)x\(a.height) vs \(b.width)x\(b.height)"
        }
        guard let i = a.pixels.indices.first(where: { a.pixels[$0] != b.pixels[$0] }) else { return nil }
        return "byte \(i): \(a.pixels[i]) vs \(b.pixels[i])"
    }

    @Test(arguments: ["pillow", "torch"])
    func simdPassesMatchTheScalarLoops(_ weights: String) {
        for (i, s) in Self.sizes.enumerated() {
            let image = Self.noise(width: s.w, height: s.h, seed: UInt64(i + 1))
            let ch = weights == "pillow" ? PillowBicubic.coefficients(inSize: s.w, outSize: s.ow)
                : TorchBicubic.intCoefficients(inSize: s.w, outSize: s.ow)
            let cv = weights == "pillow" ? PillowBicubic.coefficients(inSize: s.h, outSize: s.oh)
                : TorchBicubic.intCoefficients(inSize: s.h, outSize: s.oh)
            let h = FixedPointResampler.horizontal(image, outWidth: s.ow, ch)
            #expect(h.width == s.ow && h.height == s.h)
            #expect(Self.firstDifference(h, FixedPointResampler.scalarHorizontal(image, outWidth: s.ow, ch)) == nil,
                    "horizontal \(s.w)x\(s.h) -> \(s.ow)")
            let v = FixedPointResampler.vertical(image, outHeight: s.oh, cv)
            #expect(v.width == s.w && v.height == s.oh)
            #expect(Self.firstDifference(v, FixedPointResampler.scalarVertical(image, outHeight: s.oh, cv)) == nil,
                    "vertical \(s.w)x\(s.h) -> \(s.oh)")
        }
    }

    /// Saturated inputs drive the sums to their extremes (negative lobes on black next to white),
    /// where clamping and the arithmetic shift of negative sums matter.
    @Test func extremesClampTheSameWay() {
        var pixels = [UInt8](repeating: 0, count: 64 * 24 * 3)
        for i in pixels.indices where (i / 3 / 5 + i / (64 * 3) / 3) % 2 == 0 { pixels[i] = 255 }
        let image = RGBImage(width: 64, height: 24, pixels: pixels)
        for (ow, oh) in [(67, 25), (13, 5), (200, 90)] {
            let ch = PillowBicubic.coefficients(inSize: 64, outSize: ow)
            let cv = PillowBicubic.coefficients(inSize: 24, outSize: oh)
            #expect(Self.firstDifference(FixedPointResampler.horizontal(image, outWidth: ow, ch),
                                         FixedPointResampler.scalarHorizontal(image, outWidth: ow, ch)) == nil)
            #expect(Self.firstDifference(FixedPointResampler.vertical(image, outHeight: oh, cv),
                                         FixedPointResampler.scalarVertical(image, outHeight: oh, cv)) == nil)
        }
    }
}
