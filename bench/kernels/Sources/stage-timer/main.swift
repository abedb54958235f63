// In-process stage timer for issue 6, target 2: per image, the median time of mmprep's own
// decode (ImageDecoder: libjpeg-turbo / libpng, EXIF applied) and of the steps after it
// (smart_resize + Pillow-13 bicubic resize, normalise+patchify into float32), inside one warm
// process: no process start-up, no safetensors write. Times are this thread's CPU time.
//
//   stage-timer REPS FILE...
// prints one JSON object per line: file, preset, size, resized, decode_ms, resize_ms,
// patchify_ms, total_ms (medians over REPS; every stage runs REPS times after one warm-up).
import MMPrepCore
import MMPrepDecode
import MMPrepPreprocess

#if canImport(Glibc)
import Glibc
#endif

/// Milliseconds of this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): the stages are single-threaded,
/// and CPU time does not count the waits for a core on a shared, loaded machine. Set
/// STAGE_TIMER_CLOCK=wall for CLOCK_MONOTONIC instead.
let clock: clockid_t = getenv("STAGE_TIMER_CLOCK").map { String(cString: $0) } == "wall"
    ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID

func now() -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct Preset {
    let name: String
    let layout: PatchLayout
    let normalization: Normalization
    let minPixels: Int
    let maxPixels: Int
}

// pipelines/qwen2.5-vl.yaml and pipelines/qwen3-vl.yaml (image section).
let presets = [
    Preset(name: "qwen2.5-vl", layout: PatchLayout(patchSize: 14, mergeSize: 2, temporalPatchSize: 2),
           normalization: .openAICLIP, minPixels: 3136, maxPixels: 12_845_056),
    Preset(name: "qwen3-vl", layout: PatchLayout(patchSize: 16, mergeSize: 2, temporalPatchSize: 2),
           normalization: .half, minPixels: 65536, maxPixels: 16_777_216),
]

let args = CommandLine.arguments
guard args.count >= 3, let reps = Int(args[1]), reps > 0 else {
    print("usage: stage-timer REPS FILE...")
    exit(2)
}
let decoder = ImageDecoder()
var sink = 0
for file in args[2...] {
    do {
        var decodeTimes: [Double] = []
        var image = try decoder.decode(path: file).image
        for _ in 0..<reps {
            let t0 = now()
            image = try decoder.decode(path: file).image
            decodeTimes.append(now() - t0)
        }
        for p in presets {
            let (rh, rw) = try SmartResize.transformers(height: image.height, width: image.width,
                                                        factor: p.layout.factor,
                                                        minPixels: p.minPixels, maxPixels: p.maxPixels)
            let patchifier = Patchifier(layout: p.layout, normalization: p.normalization,
                                        arithmetic: ResampleMode.pillow.arithmetic, dtype: .float32)
            var resizeTimes: [Double] = [], patchTimes: [Double] = []
            sink &+= patchifier.patchify(Array(repeating: ResampleMode.pillow.resize(image, width: rw, height: rh),
                                               count: p.layout.temporalPatchSize)).rows
            for _ in 0..<reps {
                let t0 = now()
                let resized = ResampleMode.pillow.resize(image, width: rw, height: rh)
                let t1 = now()
                let out = patchifier.patchify(Array(repeating: resized, count: p.layout.temporalPatchSize))
                let t2 = now()
                sink &+= out.rows
                resizeTimes.append(t1 - t0)
                patchTimes.append(t2 - t1)
            }
            let d = median(decodeTimes), r = median(resizeTimes), q = median(patchTimes)
            print("{\"file\": \"\(file)\", \"preset\": \"\(p.name)\", \"size\": \"\(image.width)x\(image.height)\", "
                  + "\"resized\": \"\(rw)x\(rh)\", \"decode_ms\": \(d), \"resize_ms\": \(r), "
                  + "\"patchify_ms\": \(q), \"total_ms\": \(d + r + q), \"reps\": \(reps), "
                  + "\"clock\": \"\(clock == CLOCK_MONOTONIC ? "wall" : "thread-cpu")\"}")
        }
    } catch {
        print("{\"file\": \"\(file)\", \"error\": \"\(error)\"}")
    }
}
if sink == 42 { print("") }
