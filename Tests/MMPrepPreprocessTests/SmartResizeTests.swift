import MMPrepPreprocess
import Testing

struct SmartResizeTests {
    @Test func roundsHalfToEven() throws {
        // 720 / 32 = 22.5 -> 22 (Python's round), 1280 / 32 = 40.
        let r = try SmartResize.transformers(height: 720, width: 1280, factor: 32, minPixels: 65536, maxPixels: 16_777_216)
        #expect(r.height == 704 && r.width == 1280)
        // 42 / 28 = 1.5 -> 2; 14 / 28 = 0.5 -> 0, then the min bound scales up.
        let s = try SmartResize.transformers(height: 42, width: 42, factor: 28, minPixels: 3136, maxPixels: 12_845_056)
        #expect(s.height == 56 && s.width == 56)
    }

    @Test func aspectRatioLimitIs200() throws {
        _ = try SmartResize.transformers(height: 10, width: 2000, factor: 28, minPixels: 3136, maxPixels: 12_845_056)
        #expect(throws: SmartResize.AspectRatioError.self) {
            try SmartResize.transformers(height: 10, width: 2010, factor: 28, minPixels: 3136, maxPixels: 12_845_056)
        }
    }

    @Test func maxBoundUsesTwoDivisions() throws {
        // 4000x3000 at the Qwen2 class default max (1003520): beta = sqrt(12e6/1003520).
        let r = try SmartResize.transformers(height: 3000, width: 4000, factor: 28, minPixels: 3136, maxPixels: 1_003_520)
        #expect(r.height * r.width <= 1_003_520)
        #expect(r.height % 28 == 0 && r.width % 28 == 0)
        #expect(r == (840, 1148))
    }

    @Test func qwenVLUtilsBudget() throws {
        // 6 sampled frames: max(min(768*784, 90316800/6*2), int(100352*1.05)) = 602112.
        let b = SmartResize.qwenVLUtilsVideoBounds(frames: 6, minPixels: 100_352, frameMaxPixels: 602_112,
                                                   totalPixels: 0.9 * 128_000 * 784)
        #expect(b.maxPixels == 602_112)
        // 768 frames: 90316800/768*2 = 235200 -> above int(105369.6) = 105369.
        let c = SmartResize.qwenVLUtilsVideoBounds(frames: 768, minPixels: 100_352, frameMaxPixels: 602_112,
                                                   totalPixels: 0.9 * 128_000 * 784)
        #expect(c.maxPixels == 235_200)
        let r = try SmartResize.qwenVLUtils(height: 720, width: 1280, factor: 28, minPixels: c.minPixels, maxPixels: c.maxPixels)
        #expect(Double(r.height * r.width) <= c.maxPixels)
    }

    @Test func qwen3VideoBudgetCoversTheClip() throws {
        let r = try SmartResize.qwen3Video(frames: 768, height: 1080, width: 1920, temporalFactor: 2, factor: 32,
                                           minPixels: 4096, maxPixels: 25_165_824)
        #expect(768 * r.height * r.width <= 25_165_824)
        // Tiny frames are scaled up to the factor first.
        let t = try SmartResize.qwen3Video(frames: 4, height: 10, width: 20, temporalFactor: 2, factor: 32,
                                           minPixels: 4096, maxPixels: 25_165_824)
        #expect(t.height >= 32 && t.width >= 32)
    }
}
