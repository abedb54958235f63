import Foundation
import MMPrepCore
import MMPrepPreprocess
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

/// A compact SHA-256 (FIPS 180-4); CryptoKit is not available on Linux.
enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func hex(_ message: [UInt8]) -> String {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) &* 8
        for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 64)
        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        data.withUnsafeBufferPointer { d in
            w.withUnsafeMutableBufferPointer { w in
                k.withUnsafeBufferPointer { k in
                    h.withUnsafeMutableBufferPointer { h in
                        for chunk in stride(from: 0, to: d.count, by: 64) {
                            for t in 0..<16 {
                                let p = chunk + t * 4
                                w[t] = UInt32(d[p]) << 24 | UInt32(d[p + 1]) << 16 | UInt32(d[p + 2]) << 8 | UInt32(d[p + 3])
                            }
                            for t in 16..<64 {
                                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                            }
                            var a = h[0], b = h[1], c = h[2], dd = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
                            for t in 0..<64 {
                                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                                let ch = (e & f) ^ (~e & g)
                                let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                                let maj = (a & b) ^ (a & c) ^ (b & c)
                                let t2 = s0 &+ maj
                                hh = g; g = f; f = e; e = dd &+ t1; dd = c; c = b; b = a; a = t1 &+ t2
                            }
                            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= dd
                            h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                        }
                    }
                }
            }
        }
        return h.map { v in
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }.joined()
    }
}
