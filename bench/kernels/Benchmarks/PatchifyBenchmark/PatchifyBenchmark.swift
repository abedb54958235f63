// Issue 6, target 6: the patchify+normalise kernel (MMPrepPreprocess.Patchifier, which normalises
// through Normalization's lookup table and lays the patches out in one pass) against memcpy of the
// same number of bytes on this machine.
//
// Each kernel benchmark patchifies one resized image as the image path does (the frame passed
// T = 2 times) into float32 output. "bytes" in a name is the size of the output tensor the kernel
// writes; the memcpy benchmarks copy exactly that many bytes. GB/s = bytes / p50 wall-clock time.
//   memcpy (warm)   copies into a destination that is allocated and touched once, outside the
//                   timed loop: the machine's copy bandwidth (the strict baseline for the target).
//   memcpy (fresh)  allocates a new destination each iteration, as Patchifier.patchify allocates
//                   its output array: shows what page-faulting a new buffer costs.
import Benchmark
import MMPrepCore
import MMPrepPreprocess

#if canImport(Glibc)
import Glibc
#endif

/// Deterministic pseudo-random pixels (xorshift64*, fixed seed).
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var s = seed
    var px = [UInt8](repeating: 0, count: width * height * 3)
    for i in px.indices {
        s ^= s >> 12; s ^= s << 25; s ^= s >> 27
        px[i] = UInt8(truncatingIfNeeded: (s &* 2685821657736338717) >> 56)
    }
    return RGBImage(width: width, height: height, pixels: px)
}

struct Case {
    let preset: String
    let width: Int
    let height: Int
    let layout: PatchLayout
    let normalization: Normalization
}

// 720p and 1080p images resized as the two presets' smart_resize does (multiples of 28 / 32).
let cases: [Case] = [
    Case(preset: "qwen2.5-vl", width: 1288, height: 728,
         layout: PatchLayout(patchSize: 14, mergeSize: 2, temporalPatchSize: 2), normalization: .openAICLIP),
    Case(preset: "qwen3-vl", width: 1280, height: 736,
         layout: PatchLayout(patchSize: 16, mergeSize: 2, temporalPatchSize: 2), normalization: .half),
    Case(preset: "qwen2.5-vl", width: 1932, height: 1092,
         layout: PatchLayout(patchSize: 14, mergeSize: 2, temporalPatchSize: 2), normalization: .openAICLIP),
    Case(preset: "qwen3-vl", width: 1920, height: 1088,
         layout: PatchLayout(patchSize: 16, mergeSize: 2, temporalPatchSize: 2), normalization: .half),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(4),
        maxIterations: 200
    )

    for c in cases {
        let outBytes = c.width * c.height * 3 * c.layout.temporalPatchSize * 4
        let tag = "\(c.width)x\(c.height) \(outBytes) bytes"
        Benchmark("patchify \(c.preset) \(tag)") { benchmark in
            let frame = noiseImage(width: c.width, height: c.height, seed: 0x5EED)
            let frames = Array(repeating: frame, count: c.layout.temporalPatchSize)
            let patchifier = Patchifier(layout: c.layout, normalization: c.normalization, dtype: .float32)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let t = patchifier.patchify(frames)
                precondition(t.bytes.count == outBytes)
                blackHole(t)
            }
        }
    }

    for size in Set(cases.map { $0.width * $0.height * 3 * $0.layout.temporalPatchSize * 4 }).sorted() {
        Benchmark("memcpy warm \(size) bytes") { benchmark in
            let src = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            let dst = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            memset(src, 0x5A, size)
            memset(dst, 0, size)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                memcpy(dst, src, size)
                blackHole(dst.load(fromByteOffset: size / 2, as: UInt8.self))
            }
            benchmark.stopMeasurement()
            src.deallocate()
            dst.deallocate()
        }
        Benchmark("memcpy fresh \(size) bytes") { benchmark in
            let src = [UInt8](repeating: 0x5A, count: size)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var dst = [UInt8](repeating: 0, count: size)
                dst.withUnsafeMutableBytes { d in
                    src.withUnsafeBytes { s in _ = memcpy(d.baseAddress!, s.baseAddress!, size) }
                }
                blackHole(dst)
            }
        }
    }
}
