import MMPrepCore
#if canImport(Glibc)
import Glibc
#endif

/// The row/column layout the Qwen processors give `pixel_values`:
///
///     row = g*gh*gw + ((bh*(gw/m) + bw)*m + mh)*m + mw
///     col = ((c*T + t)*p + py)*p + px
///     value = frame[g*T + t][c][(bh*m + mh)*p + py][(bw*m + mw)*p + px]
public struct PatchLayout: Sendable, Equatable {
    public var patchSize: Int
    public var mergeSize: Int
    public var temporalPatchSize: Int

    public init(patchSize: Int, mergeSize: Int, temporalPatchSize: Int) {
        self.patchSize = patchSize
        self.mergeSize = mergeSize
        self.temporalPatchSize = temporalPatchSize
    }

    public var factor: Int { patchSize * mergeSize }
    public var columns: Int { 3 * temporalPatchSize * patchSize * patchSize }
}

/// The patches of one image or video and their grid.
public struct PatchTensor: Sendable {
    /// Row-major [rows, columns] in `dtype`, little-endian bytes.
    public var bytes: [UInt8]
    public var rows: Int
    public var columns: Int
    public var dtype: TensorDType
    /// (t, h, w) in patches.
    public var grid: (t: Int, h: Int, w: Int)
}

/// Normalises and patchifies resized frames in one pass.
///
/// Every 8-bit sample goes through a per-channel table of 256 ready-made output values (the
/// normalised float32, or its bfloat16/float16 bits, computed once by `Normalization.lookupTable`
/// and `TensorDType`), so the kernel is a table lookup and a store per value: no float math runs in
/// the loop, and the values are bit-identical to normalising each sample on its own. The output is
/// written once, without being zero-filled first; a frame that appears at consecutive temporal
/// positions (an image is passed T times, a video's last frame pads its group) is looked up once
/// and its blocks copied.
public struct Patchifier: Sendable {
    public var layout: PatchLayout
    public var normalization: Normalization
    public var arithmetic: Normalization.Arithmetic
    public var dtype: TensorDType
    /// `table[c * 256 + v]`, float32 values.
    private let table: [Float]
    /// The same table in the output dtype's little-endian bits (empty for uint8).
    private let bits32: [UInt32]
    private let bits16: [UInt16]

    public init(layout: PatchLayout, normalization: Normalization,
                arithmetic: Normalization.Arithmetic = .rescaleThenNormalize, dtype: TensorDType = .float32) {
        self.layout = layout
        self.normalization = normalization
        self.arithmetic = arithmetic
        self.dtype = dtype
        let table = normalization.lookupTable(arithmetic)
        self.table = table
        switch dtype {
        case .float32:
            bits32 = table.map { $0.bitPattern.littleEndian }
            bits16 = []
        case .bfloat16:
            bits32 = []
            bits16 = table.map { TensorDType.bfloat16Bits($0).littleEndian }
        case .float16:
            bits32 = []
            bits16 = table.map { TensorDType.float16Bits($0).littleEndian }
        case .uint8:
            bits32 = []
            bits16 = []
        }
    }

    /// `frames` are already padded to a multiple of T (an image is passed T times) and share
    /// one size, a multiple of patch*merge.
    public func patchify(_ frames: [RGBImage]) -> PatchTensor {
        var bytes: [UInt8] = []
        return patchify(frames, reusing: &bytes)
    }

    /// As `patchify(_:)`, writing into `buffer`'s storage when it is not shared (a caller that
    /// keeps `buffer` between calls and has dropped the previous tensor gets its memory back
    /// without page faults); otherwise a new array. The returned tensor's `bytes` is `buffer`.
    public func patchify(_ frames: [RGBImage], reusing buffer: inout [UInt8]) -> PatchTensor {
        let p = layout.patchSize, m = layout.mergeSize, tp = layout.temporalPatchSize
        precondition(p > 0 && m > 0 && tp > 0, "empty patch layout")
        precondition(!frames.isEmpty && frames.count % tp == 0, "frames must be padded to a multiple of T")
        let h = frames[0].height, w = frames[0].width
        precondition(h % (p * m) == 0 && w % (p * m) == 0, "size \(w)x\(h) is not a multiple of \(p * m)")
        for f in frames {
            precondition(f.width == w && f.height == h && f.pixels.count == w * h * 3, "frames differ in size")
        }
        let gt = frames.count / tp, gh = h / p, gw = w / p
        let rows = gt * gh * gw, cols = layout.columns
        let count = rows * cols * dtype.byteWidth

        if buffer.count == count {
            // In place when unique; the mutable access copies first when it is shared.
            buffer.withUnsafeMutableBytes { raw in fill(raw.baseAddress!, frames: frames, w: w, gt: gt, gh: gh, gw: gw) }
        } else {
            buffer = []  // drop the old storage before allocating the new
            buffer = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 {
                    Self.adviseHugePages(UnsafeMutableRawPointer(out.baseAddress!), count)
                    fill(UnsafeMutableRawPointer(out.baseAddress!), frames: frames, w: w, gt: gt, gh: gh, gw: gw)
                }
                initialized = count
            }
        }
        return PatchTensor(bytes: buffer, rows: rows, columns: cols, dtype: dtype, grid: (gt, gh, gw))
    }

    /// A new output of tens of MB costs more in page faults (one per 4 KiB, each zeroing its
    /// page) than in the kernel that first writes it: asking for transparent huge pages on the
    /// whole 2 MiB pages inside it makes that a few faults (1080p float32: ~32 ms -> ~9 ms here).
    /// Only a hint: contents and size do not change. Only from 32 MiB, where glibc's malloc always
    /// gives the block its own mapping (its dynamic mmap threshold stops at 32 MiB), so the advice
    /// never reaches the shared heap and goes away with the block; below that, malloc reuses
    /// already-faulted heap memory anyway.
    @inline(__always)
    static func adviseHugePages(_ p: UnsafeMutableRawPointer, _ count: Int) {
        #if os(Linux)
        let huge = 2 << 20
        guard count >= 32 << 20 else { return }
        let start = (Int(bitPattern: p) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: p) + count) & ~(huge - 1)
        if end > start {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
        }
        #endif
    }

    /// Writes every output value to `out` (rows * columns * byteWidth bytes).
    private func fill(_ out: UnsafeMutableRawPointer, frames: [RGBImage], w: Int, gt: Int, gh: Int, gw: Int) {
        guard gt > 0 && gh > 0 && gw > 0 else { return }
        switch dtype {
        case .float32:
            bits32.withUnsafeBufferPointer { lut in
                Self.kernel(lut.baseAddress!, out.assumingMemoryBound(to: UInt32.self), frames: frames,
                            layout: layout, w: w, gt: gt, gh: gh, gw: gw) { UInt64($0) | UInt64($1) &<< 32 }
            }
        case .bfloat16, .float16:
            bits16.withUnsafeBufferPointer { lut in
                Self.kernel(lut.baseAddress!, out.assumingMemoryBound(to: UInt16.self), frames: frames,
                            layout: layout, w: w, gt: gt, gh: gh, gw: gw) { UInt32($0) | UInt32($1) &<< 16 }
            }
        case .uint8:
            Self.identity.withUnsafeBufferPointer { lut in
                Self.kernel(lut.baseAddress!, out.assumingMemoryBound(to: UInt8.self), frames: frames,
                            layout: layout, w: w, gt: gt, gh: gh, gw: gw) { UInt16($0) | UInt16($1) &<< 8 }
            }
        }
    }

    private static let identity: [UInt8] = (0..<3).flatMap { _ in (0...255).map { UInt8($0) } }

    /// The layout loop for one element type. Each patch row is written in output order: for each
    /// distinct frame of the temporal group and each channel, the p*p samples of the patch (in L1
    /// after the first channel) are looked up and stored as one contiguous block, two values per
    /// store when p is even; a frame repeated at the next temporal positions gets copies of that
    /// block. Writing sequentially (rather than the three channels' runs at once) is what makes
    /// this fast: about 5x the interleaved-store version on the presets' sizes.
    @inline(__always)
    private static func kernel<E, W>(_ lut: UnsafePointer<E>, _ out: UnsafeMutablePointer<E>, frames: [RGBImage],
                                     layout: PatchLayout, w: Int, gt: Int, gh: Int, gw: Int,
                                     pack: (E, E) -> W) {
        let p = layout.patchSize, m = layout.mergeSize, tp = layout.temporalPatchSize
        let pp = p * p, chan = tp * pp, cols = 3 * chan
        let rowStride = w * 3
        var dst = out
        for g in 0..<gt {
            withFramePointers(frames[(g * tp)..<((g + 1) * tp)]) { framePointers in
                // Runs of equal frames (same storage) at consecutive temporal positions.
                var runs: [(t: Int, count: Int)] = []
                var t = 0
                while t < tp {
                    var n = 1
                    while t + n < tp && framePointers[t + n] == framePointers[t] { n += 1 }
                    runs.append((t, n))
                    t += n
                }
                for bh in 0..<(gh / m) {
                    for bw in 0..<(gw / m) {
                        for mh in 0..<m {
                            for mw in 0..<m {
                                let y0 = (bh &* m &+ mh) &* p, x0 = (bw &* m &+ mw) &* p
                                let offset = y0 &* rowStride &+ x0 &* 3
                                for run in runs {
                                    let src = framePointers[run.t] + offset
                                    for c in 0..<3 {
                                        let lc = lut + c &* 256
                                        let d0 = dst + (c &* tp &+ run.t) &* pp
                                        if p % 2 == 0 {
                                            // Two values per store, written in output order.
                                            var q = UnsafeMutableRawPointer(d0)
                                            var rowStart = src + c
                                            for _ in 0..<p {
                                                var s = rowStart
                                                for _ in 0..<(p / 2) {
                                                    q.storeBytes(of: pack(lc[Int(s[0])], lc[Int(s[3])]), as: W.self)
                                                    s += 6
                                                    q += MemoryLayout<W>.stride
                                                }
                                                rowStart += rowStride
                                            }
                                        } else {
                                            var d = d0
                                            var rowStart = src + c
                                            for _ in 0..<p {
                                                var s = rowStart
                                                for _ in 0..<p {
                                                    d.pointee = lc[Int(s[0])]
                                                    s += 3
                                                    d += 1
                                                }
                                                rowStart += rowStride
                                            }
                                        }
                                        // The same frame at the next temporal positions: copies
                                        // of the block just written (still in L1).
                                        for k in 1..<max(run.count, 1) {
                                            (d0 + k &* pp).update(from: d0, count: pp)
                                        }
                                    }
                                }
                                dst += cols
                            }
                        }
                    }
                }
            }
        }
    }

    /// Base addresses of the pixels of one temporal group's T frames, valid inside `body`.
    private static func withFramePointers<R>(_ frames: ArraySlice<RGBImage>,
                                             _ body: ([UnsafePointer<UInt8>]) -> R) -> R {
        func step(_ i: Int, _ acc: inout [UnsafePointer<UInt8>]) -> R {
            if i == frames.endIndex { return body(acc) }
            return frames[i].pixels.withUnsafeBufferPointer { px in
                acc.append(px.baseAddress!)
                return step(i + 1, &acc)
            }
        }
        var acc: [UnsafePointer<UInt8>] = []
        acc.reserveCapacity(frames.count)
        return step(frames.startIndex, &acc)
    }
}
