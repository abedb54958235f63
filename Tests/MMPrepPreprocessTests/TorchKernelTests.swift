import Foundation
import MMPrepCore
import MMPrepPreprocess
import MMPrepShards
import Testing

/// Both torch kernels against the fixture generated with the real torch / torchvision calls
/// (scripts/ref/gen_torch_kernel_refs.py): sha256 of the whole output plus sampled values.
struct TorchKernelTests {
    struct Expected: Decodable {
        let sha256: String
        let sum: Int
        let samples: [[Int]]
    }

    struct Case: Decodable, CustomStringConvertible, Sendable {
        let name: String
        let pattern: String
        let seed: UInt64
        let cell: Int
        let height: Int
        let width: Int
        let out_height: Int
        let out_width: Int
        let input_sum: Int
        let input_head: [Int]
        let uint8: Expected
        let float: Expected

        var description: String { "\(name) \(height)x\(width) -> \(out_height)x\(out_width)" }
    }

    struct Fixture: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: FixturePaths.url("torch-kernels.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data).cases
    }()

    // MARK: inputs (mirrors make_image / lcg_bytes in the generator)

    static func lcgBytes(seed: UInt64, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var s = seed
        out.withUnsafeMutableBufferPointer { buf in
            for k in 0..<count {
                s = s &* 6364136223846793005 &+ 1442695040888963407
                buf[k] = UInt8(truncatingIfNeeded: s >> 56)
            }
        }
        return out
    }

    static func makeInput(_ c: Case) -> RGBImage {
        let h = c.height, w = c.width
        var px = [UInt8](repeating: 0, count: h * w * 3)
        switch c.pattern {
        case "noise":
            px = lcgBytes(seed: c.seed, count: h * w * 3)
        case "gradient":
            for y in 0..<h {
                for x in 0..<w {
                    let i = (y * w + x) * 3
                    px[i] = UInt8(x * 255 / max(w - 1, 1))
                    px[i + 1] = UInt8(y * 255 / max(h - 1, 1))
                    px[i + 2] = UInt8((x + y) * 255 / max(w + h - 2, 1))
                }
            }
        case "checker":
            let cell = c.cell
            for y in 0..<h {
                for x in 0..<w {
                    let i = (y * w + x) * 3
                    let v: UInt8 = (x / cell + y / cell) % 2 == 0 ? 255 : 0
                    px[i] = v
                    px[i + 1] = 255 - v
                    px[i + 2] = (x / cell) % 2 == 0 ? 0 : 255
                }
            }
        case "blocks":
            let cell = c.cell
            let ch = (h + cell - 1) / cell, cw = (w + cell - 1) / cell
            let coarse = lcgBytes(seed: c.seed, count: ch * cw * 3)
            for y in 0..<h {
                for x in 0..<w {
                    let i = (y * w + x) * 3, j = ((y / cell) * cw + x / cell) * 3
                    px[i] = coarse[j]
                    px[i + 1] = coarse[j + 1]
                    px[i + 2] = coarse[j + 2]
                }
            }
        default:
            Issue.record("unknown pattern \(c.pattern)")
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    // MARK: checks

    static func check(_ out: RGBImage, against e: Expected, _ c: Case, kernel: String) {
        #expect(out.width == c.out_width && out.height == c.out_height, "\(kernel) \(c): size")
        guard out.pixels.count == c.out_width * c.out_height * 3 else { return }
        let digest = SHA256.hex(out.pixels)
        if digest == e.sha256 { return }
        var maxDiff = 0, wrong = 0
        for s in e.samples {
            let d = abs(Int(out.pixels[s[0]]) - s[1])
            if d > 0 { wrong += 1 }
            maxDiff = max(maxDiff, d)
        }
        let sum = byteSum(out.pixels)
        Issue.record("""
            \(kernel) \(c): sha256 \(digest) != \(e.sha256); sampled max diff \(maxDiff), \
            \(wrong)/\(e.samples.count) samples differ, byte sum \(sum) vs \(e.sum)
            """)
    }

    static func byteSum(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { b in
            var s = 0
            for v in b { s &+= Int(v) }
            return s
        }
    }

    @Test func fixtureCoversTheRequiredShapes() {
        let cs = Self.cases
        #expect(cs.count >= 30)
        #expect(cs.contains { $0.height == 3 && $0.width == 5 })
        #expect(cs.contains { $0.height == 1 } && cs.contains { $0.width == 1 })
        #expect(cs.contains { $0.out_height > 4 * $0.height && $0.out_width > 4 * $0.width })
        #expect(cs.contains { $0.height >= 50 * $0.out_height })
        #expect(cs.contains { $0.height == 720 && $0.width == 1280 && $0.out_height == 448 && $0.out_width == 812 })
        #expect(cs.contains { $0.height == 1080 && $0.width == 1920 && $0.out_height == 360 && $0.out_width == 640 })
        #expect(cs.contains { $0.height == 4000 && $0.width == 3000 })
        #expect(cs.contains { $0.width >= 200 * $0.height })
    }

    /// One input per case, both kernels: uint8 (transformers' torchvision backend) and float
    /// (qwen-vl-utils fetch_video).
    @Test(arguments: cases)
    func kernelsMatchTorch(_ c: Case) {
        let input = Self.makeInput(c)
        #expect(Array(input.pixels.prefix(16)).map(Int.init) == c.input_head, "input \(c)")
        #expect(Self.byteSum(input.pixels) == c.input_sum, "input \(c)")
        let u8 = TorchBicubic.resizeUInt8(input, width: c.out_width, height: c.out_height)
        Self.check(u8, against: c.uint8, c, kernel: "uint8")
        let fl = TorchBicubic.resizeFloat(input, width: c.out_width, height: c.out_height)
        Self.check(fl, against: c.float, c, kernel: "float")
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
