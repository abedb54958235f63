import CFFmpeg
import MMPrepCore

/// Decodes the frames a plan asks for, in presentation order, keeping only those.
///
/// Frame index i is the i-th packet timestamp of the scan; the frame returned for it is the
/// first decoded frame whose pts is at or after that timestamp (torchcodec's exact mode).
/// Memory holds at most one decoded frame beyond what the caller keeps.
public struct VideoFrameReader: Sendable {
    public let path: String
    public let info: VideoInfo
    /// Decoder threads; 0 lets FFmpeg choose.
    public var threads: Int
    public var limits: VideoLimits

    public init(path: String, info: VideoInfo, threads: Int = 0, limits: VideoLimits = VideoLimits()) {
        self.path = path
        self.info = info
        self.threads = threads
        self.limits = limits
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
        let fmt = try FormatContext(path: path, limits: limits.open)
        guard Int(info.streamIndex) < Int(fmt.pointer.pointee.nb_streams),
              let stream = fmt.pointer.pointee.streams[Int(info.streamIndex)] else {
            throw DecodeError(file: path, reason: .noStream, call: "av_find_best_stream", message: "video stream vanished")
        }
        for i in 0..<Int(fmt.pointer.pointee.nb_streams) where i != Int(info.streamIndex) {
            fmt.pointer.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        let codec = try CodecContext(stream: stream, threads: threads, file: path, maxPixels: limits.maxPixels,
                                     codecs: limits.codecs)
        let converter = try ColorConverter(file: path)
        let orientation: Orientation = switch info.rotation {
        case 90: .rotate90Clockwise
        case 180: .rotate180
        case 270: .rotate90CounterClockwise
        default: .identity
        }
        let packet = Packet()
        let frame = Frame()
        let nopts = mm_av_nopts_value()
        var next = 0  // position in `wanted`

        func drain() throws -> Bool {
            while true {
                let rc = avcodec_receive_frame(codec.pointer, frame.pointer)
                if rc == mm_averror_eagain() || rc == mm_averror_eof() { return false }
                if rc < 0 {
                    throw DecodeError(file: path, reason: .corrupt, call: "avcodec_receive_frame",
                                      message: ffmpegErrorText(rc), code: rc)
                }
                defer { av_frame_unref(frame.pointer) }
                let f = frame.pointer.pointee
                var t = f.pts != nopts ? f.pts : f.pkt_dts
                if t == nopts { t = f.best_effort_timestamp }
                if t == nopts { continue }
                guard info.framePTS[wanted[next]] <= t else { continue }
                let rgb = try converter.convert(frame.pointer).transformed(orientation)
                while next < wanted.count && info.framePTS[wanted[next]] <= t {
                    try body(wanted[next], rgb)
                    next += 1
                }
                if next == wanted.count { return true }
                try checkDeadline(fmt, call: "avcodec_receive_frame")
            }
        }

        var finished = false
        readLoop: while try fmt.read(into: packet) {
            defer { av_packet_unref(packet.pointer) }
            guard packet.pointer.pointee.stream_index == info.streamIndex else { continue }
            try checkDeadline(fmt, call: "av_read_frame")
            var rc = avcodec_send_packet(codec.pointer, packet.pointer)
            while rc == mm_averror_eagain() {
                if try drain() { finished = true; break readLoop }
                rc = avcodec_send_packet(codec.pointer, packet.pointer)
            }
            if rc < 0 && rc != mm_averror_invaliddata() {
                throw DecodeError(file: path, reason: .corrupt, call: "avcodec_send_packet",
                                  message: ffmpegErrorText(rc), code: rc)
            }
            if try drain() { finished = true; break }
        }
        if !finished {
            _ = avcodec_send_packet(codec.pointer, nil)
            finished = try drain()
        }
        if !finished {
            throw DecodeError(file: path, reason: .missingFrame, call: "avcodec_receive_frame",
                              message: "frame \(wanted[next]) was never produced by the decoder")
        }
    }

    /// Between frames: the input's time budget.
    func checkDeadline(_ fmt: FormatContext, call: String) throws(DecodeError) {
        if fmt.deadlineExpired {
            throw DecodeError(file: path, reason: .timeout, call: call, message: "time budget exceeded")
        }
    }
}
