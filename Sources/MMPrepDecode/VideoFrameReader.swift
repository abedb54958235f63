import CFFmpeg
import MMPrepCore
#if canImport(Glibc)
import Glibc
#endif

/// Decodes the frames a plan asks for, in presentation order, keeping only those.
///
/// Frame index i is the i-th packet timestamp of the scan; the frame returned for it is the
/// first decoded frame whose pts is at or after that timestamp (torchcodec's exact mode).
/// Memory holds at most one decoded frame beyond what the caller keeps.
///
/// By default only what the wanted frames need is decoded (unwanted non-reference pictures are
/// skipped, and the reader seeks to a decoder restart point across long gaps; see
/// `DecodeSchedule`); the frames are the same bytes as a full decode. `fullDecode` (or the
/// environment variable `MMPREP_VIDEO_FULL_DECODE=1`) decodes every packet instead.
public struct VideoFrameReader: Sendable {
    public let path: String
    public let info: VideoInfo
    /// Decoder threads; 0 lets FFmpeg choose.
    public var threads: Int
    public var limits: VideoLimits
    /// Decode every packet (no skipping, no seeking).
    public var fullDecode: Bool

    public init(path: String, info: VideoInfo, threads: Int = 0, limits: VideoLimits = VideoLimits(),
                fullDecode: Bool = VideoFrameReader.fullDecodeRequested) {
        self.path = path
        self.info = info
        self.threads = threads
        self.limits = limits
        self.fullDecode = fullDecode
    }

    /// `MMPREP_VIDEO_FULL_DECODE` is set to something other than "" or "0".
    public static var fullDecodeRequested: Bool {
        guard let value = getenv("MMPREP_VIDEO_FULL_DECODE") else { return false }
        let text = String(cString: value)
        return !text.isEmpty && text != "0"
    }

    /// `MMPREP_VIDEO_TRACE` is set: one line on stderr per decode saying what was decoded.
    static var traceRequested: Bool {
        guard let value = getenv("MMPREP_VIDEO_TRACE") else { return false }
        return value.pointee != 0 && String(cString: value) != "0"
    }

    private func trace(_ line: String) {
        guard Self.traceRequested else { return }
        let text = Array("mmprep video trace: \(path): \(line)\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Calls `body` once for every distinct index in `indices`, in ascending order, with the
    /// frame as upright RGB. Throws if an index is out of range or its frame never appears.
    public func decode(indices: [Int], _ body: (Int, RGBImage) throws -> Void) throws {
        let wanted = Array(Set(indices)).sorted()
        guard !wanted.isEmpty else { return }
        guard wanted.first! >= 0, wanted.last! < info.frameCount else {
            throw DecodeError(file: path, reason: .missingFrame, call: "plan",
                              message: "frame index out of range 0..<\(info.frameCount)")
        }
        var delivered = Set<Int>()
        if !fullDecode, let schedule = DecodeSchedule(info: info, wanted: wanted) {
            do {
                let pass = try VideoDecodePass(path: path, info: info, threads: threads, limits: limits)
                try pass.run(wanted: wanted, schedule: schedule, skip: []) { index, frame in
                    delivered.insert(index)
                    try body(index, frame)
                }
                trace("fast: \(wanted.count) frames of \(info.frameCount), \(pass.stats)")
                return
            } catch let abandoned as VideoDecodePass.Abandoned {
                // Decode in full; frames already handed over are not handed over again.
                trace("fast path abandoned: \(abandoned.reason); decoding in full")
            }
        } else if !fullDecode {
            trace("no fast path for \(info.codec) in \(info.container)")
        }
        let pass = try VideoDecodePass(path: path, info: info, threads: threads, limits: limits)
        try pass.run(wanted: wanted, schedule: nil, skip: delivered, body)
        trace("full: \(wanted.count) frames of \(info.frameCount), \(pass.stats)")
    }
}
