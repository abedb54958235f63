import MMPrepCore
import MMPrepPreprocess
import Testing

struct PillowBicubicTests {
    static func noise(_ w: Int, _ h: Int, seed: UInt64) -> RGBImage {
        var s = seed
        let px = (0..<(w * h * 3)).map { _ -> UInt8 in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: s >> 56)
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    @Test func sameSizeIsACopy() {
        let img = Self.noise(17, 9, seed: 1)
        #expect(PillowBicubic.resize(img, width: 17, height: 9, order: .pillow13) == img)
    }

    @Test func constantImagesStayConstant() {
        let img = RGBImage(width: 37, height: 100, pixels: Array(repeating: 200, count: 37 * 100 * 3))
        let out = PillowBicubic.resize(img, width: 56, height: 84, order: .pillow13)
        #expect(out.pixels.allSatisfy { $0 == 200 })
    }

    @Test func passOrderRuleOfPillow13() {
        // A tall image shrinking mostly vertically: Pillow 13 goes vertical first.
        #expect(PillowBicubic.verticalFirst(inWidth: 100, inHeight: 1000, outWidth: 90, outHeight: 200, order: .pillow13))
        #expect(!PillowBicubic.verticalFirst(inWidth: 100, inHeight: 1000, outWidth: 90, outHeight: 200, order: .pillow12))
        #expect(!PillowBicubic.verticalFirst(inWidth: 1000, inHeight: 100, outWidth: 200, outHeight: 90, order: .pillow13))
        // Pillow 12's Image.resize goes vertical first only past 100:1 (tall) with a shrinking height.
        #expect(PillowBicubic.verticalFirst(inWidth: 30, inHeight: 3001, outWidth: 28, outHeight: 2996, order: .pillow12))
        #expect(!PillowBicubic.verticalFirst(inWidth: 30, inHeight: 3000, outWidth: 28, outHeight: 2996, order: .pillow12))
        #expect(!PillowBicubic.verticalFirst(inWidth: 30, inHeight: 3001, outWidth: 28, outHeight: 3024, order: .pillow12))
        // The two orders give different pixels on such a resize.
        let img = Self.noise(100, 1000, seed: 7)
        let a = PillowBicubic.resize(img, width: 90, height: 200, order: .pillow13)
        let b = PillowBicubic.resize(img, width: 90, height: 200, order: .pillow12)
        #expect(a != b)
    }
}
