import MMPrepCore
@testable import MMPrepPreprocess
import Testing

/// The eight-lane float passes against the one-output-at-a-time loops, bit for bit, and the
/// emulated fused multiply-add against `Float.addingProduct` (correctly rounded by libm).
struct TorchFloatKernelTests {
    typealias Noise = PatchifierKernelTests.Noise

    @Test func fusedMultiplyAddIsCorrectlyRounded() {
        var noise = Noise(s: 12345)
        var mismatches = 0
        var checked = 0
        func check(_ a: Float, _ b: Float, _ c: Float) {
            let got = TorchFloatResampler.fusedMultiplyAdd(.init(repeating: a), .init(repeating: b), .init(repeating: c))
            checked += 1
            if got[0].bitPattern != c.addingProduct(a, b).bitPattern || got[7].bitPattern != got[0].bitPattern {
                mismatches += 1
            }
        }
        for _ in 0..<200_000 {
            let a = noise.unit() * 350 - 50, b = noise.unit() * 1.6 - 0.3, c = noise.unit() * 500 - 100
            check(a, b, c)
            check(Float(noise.next() >> 56), b, c)
            let product = a * b
            // Cancellation and near-ties: where rounding the sum twice would go wrong.
            check(a, b, -product)
            check(a, b, -product.nextUp)
            check(a, b, -product.nextDown)
            check(a, b * .ulpOfOne, c)
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: noise.next() >> 32) % 0x5E00_0000 + 0x0080_0000)
            let y = Float(bitPattern: UInt32(truncatingIfNeeded: noise.next() >> 32) % 0x5E00_0000 + 0x0080_0000)
            let z = Float(bitPattern: UInt32(truncatingIfNeeded: noise.next() >> 32) % 0x7D00_0000 + 0x0080_0000)
            check(noise.next() & 1 == 0 ? x : -x, y, noise.next() & 1 == 0 ? z : -z)
        }
        #expect(checked == 1_400_000)
        #expect(mismatches == 0)
    }

    /// Sums that land exactly on a float tie once rounded to double, with the exact value just
    /// below or above it: rounding twice (double, then float) goes the wrong way; the
    /// emulation must not. The naive double computation is checked to fail on each, so the
    /// cases do exercise the trap.
    @Test func doubleRoundingTrapsAreAvoided() {
        var cases = 0
        for e in stride(from: -10, through: 40, by: 3) {
            for (sign, tweak) in [(Float(1), Float(1)), (-1, 1), (1, -1), (-1, -1)] {
                let a = Float(1) + tweak * Float(sign: .plus, exponent: -17, significand: 1)
                let b = Float(sign: .plus, exponent: e - 24, significand: 1) * (1 - tweak * Float(sign: .plus, exponent: -17, significand: 1))
                // c's last mantissa bit set (odd), so the tie breaks away from the correct value.
                let c = sign * (Float(sign: .plus, exponent: e, significand: 1) + Float(sign: .plus, exponent: e - 23, significand: 1))
                let want = c.addingProduct(sign * a, b)
                let naive = Float(Double(sign * a) * Double(b) + Double(c))
                #expect(naive.bitPattern != want.bitPattern, "not a trap: e=\(e) sign=\(sign) tweak=\(tweak)")
                let got = TorchFloatResampler.fusedMultiplyAdd(.init(repeating: sign * a), .init(repeating: b), .init(repeating: c))
                #expect(got[0].bitPattern == want.bitPattern, "e=\(e) sign=\(sign) tweak=\(tweak)")
                cases += 1
            }
        }
        #expect(cases == 68)
    }

    /// uint8 <-> float32 conversions: clamping, halves to even, in the eight-lane body and the tail.
    @Test func conversionsRoundHalfToEvenAndClamp() {
        var plane: [Float] = [-3, -0.5, 0, 0.5, 1.5, 2.5, 3.49999, 126.5, 127.5, 254.5, 255, 255.5, 300, .infinity, 7.5]
        var noise = Noise(s: 3)
        plane += (0..<1001).map { _ in noise.unit() * 300 - 20 } + (0..<64).map { Float($0) + 0.5 }
        let expected = plane.map { UInt8(min(max($0, 0), 255).rounded(.toNearestOrEven)) }
        #expect(TorchFloatResampler.bytes(plane) == expected)
        let bytes = (0..<1003).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(TorchFloatResampler.floats(bytes) == bytes.map(Float.init))
    }

    static let sizes: [(w: Int, h: Int, ow: Int, oh: Int)] = [
        (1920, 36, 1036, 20), (640, 19, 644, 23), (37, 5, 200, 3), (3, 9, 101, 2), (1, 1, 1, 7), (1, 9, 1, 4),
        (300, 7, 11, 2), (17, 33, 16, 32), (1000, 10, 13, 9), (9, 300, 4, 7),
    ]

    @Test(arguments: [false, true])
    func passesMatchTheScalarLoops(integerSamples: Bool) {
        var noise = Noise(s: integerSamples ? 7 : 8)
        for s in Self.sizes {
            // Integer samples (a frame) or any floats (the intermediate of the first pass).
            let plane = (0..<(s.w * s.h * 3)).map { _ in integerSamples ? Float(noise.next() >> 56) : noise.unit() * 300 - 20 }
            let ch = TorchBicubic.floatCoefficients(inSize: s.w, outSize: s.ow)
            let cv = TorchBicubic.floatCoefficients(inSize: s.h, outSize: s.oh)
            let h = TorchFloatResampler.horizontal(plane, width: s.w, height: s.h, outWidth: s.ow, ch)
            let hRef = TorchFloatResampler.scalarHorizontal(plane, width: s.w, height: s.h, outWidth: s.ow, ch)
            #expect(h.count == hRef.count && zip(h, hRef).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "horizontal \(s.w)x\(s.h) -> \(s.ow)")
            let v = TorchFloatResampler.vertical(plane, width: s.w, height: s.h, outHeight: s.oh, cv)
            let vRef = TorchFloatResampler.scalarVertical(plane, width: s.w, height: s.h, outHeight: s.oh, cv)
            #expect(v.count == vRef.count && zip(v, vRef).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "vertical \(s.w)x\(s.h) -> \(s.oh)")
        }
    }
}

extension PatchifierKernelTests.Noise {
    /// A float in [0, 1).
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
