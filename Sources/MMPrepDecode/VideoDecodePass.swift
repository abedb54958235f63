import CFFmpeg
import MMPrepCore

/// One pass over a video file that hands over the wanted frames in presentation order.
///
/// Without a schedule every packet is decoded and frame i is the first decoded frame whose pts
/// is at or after the i-th packet timestamp (torchcodec's exact mode). With a schedule the pass
/// decodes only what the wanted frames need (see `DecodeSchedule`) and insists that each wanted
/// frame comes out of the decoder with exactly its own packet's pts; anything else (a frame the
/// decoder dropped or reordered, a packet found where the scan did not put it, a seek that
/// lands past its target) throws `Abandoned`, and the caller decodes in full instead.
final class VideoDecodePass {
    /// The fast path met something it cannot prove equal to a full decode.
    struct Abandoned: Error {
        let reason: String
    }

    private let path: String
    private let info: VideoInfo
    private let limits: VideoLimits
    private let fmt: FormatContext
    private let codec: CodecContext
    private let converter: ColorConverter
    private let orientation: Orientation
    private let packet = Packet()
    private let frame = Frame()
    /// What the pass did, for `MMPREP_VIDEO_TRACE`.
    private(set) var stats = Stats()

    struct Stats: CustomStringConvertible {
        var packetsSent = 0
        var packetsSentSkippable = 0
        var framesDecoded = 0
        var packetsDropped = 0
        var seeks = 0
        var description: String {
            "sent \(packetsSent) packets (\(packetsSentSkippable) skippable if non-reference), " +
                "dropped \(packetsDropped), seeks \(seeks), \(framesDecoded) frames out of the decoder"
        }
    }

    init(path: String, info: VideoInfo, threads: Int, limits: VideoLimits) throws(DecodeError) {
        self.path = path
        self.info = info
        self.limits = limits
        fmt = try FormatContext(path: path, limits: limits.open)
        guard Int(info.streamIndex) < Int(fmt.pointer.pointee.nb_streams),
              let stream = fmt.pointer.pointee.streams[Int(info.streamIndex)] else {
            throw DecodeError(file: path, reason: .noStream, call: "av_find_best_stream", message: "video stream vanished")
        }
        for i in 0..<Int(fmt.pointer.pointee.nb_streams) where i != Int(info.streamIndex) {
            fmt.pointer.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        codec = try CodecContext(stream: stream, threads: threads, file: path, maxPixels: limits.maxPixels,
                                 codecs: limits.codecs)
        converter = try ColorConverter(file: path)
        orientation = switch info.rotation {
        case 90: .rotate90Clockwise
        case 180: .rotate180
        case 270: .rotate90CounterClockwise
        default: .identity
        }
    }

    /// Delivers every index of `wanted` (sorted, distinct) to `body`, except those in `skip`
    /// (already delivered by an abandoned fast pass), which are decoded but not handed over.
    func run(wanted: [Int], schedule: DecodeSchedule?, skip: Set<Int>,
             _ body: (Int, RGBImage) throws -> Void) throws {
        let exact = schedule != nil
        let nopts = mm_av_nopts_value()
        var next = 0  // position in `wanted`

        /// Receives what the decoder has ready; true once every wanted frame was delivered.
        func receive() throws -> Bool {
            while true {
                let rc = avcodec_receive_frame(codec.pointer, frame.pointer)
                if rc == mm_averror_eagain() || rc == mm_averror_eof() { return false }
                if rc < 0 {
                    throw DecodeError(file: path, reason: .corrupt, call: "avcodec_receive_frame",
                                      message: ffmpegErrorText(rc), code: rc)
                }
                defer { av_frame_unref(frame.pointer) }
                stats.framesDecoded += 1
                let f = frame.pointer.pointee
                var t = f.pts != nopts ? f.pts : f.pkt_dts
                if t == nopts { t = f.best_effort_timestamp }
                if t == nopts {
                    if exact { throw Abandoned(reason: "a frame without timestamp") }
                    continue
                }
                let target = info.framePTS[wanted[next]]
                guard target <= t else { continue }
                if exact && t != target { throw Abandoned(reason: "frame \(wanted[next]) came out as pts \(t)") }
                var rgb: RGBImage? = nil
                while next < wanted.count && info.framePTS[wanted[next]] <= t {
                    if !skip.contains(wanted[next]) {
                        if rgb == nil { rgb = try converter.convert(frame.pointer).transformed(orientation) }
                        try body(wanted[next], rgb!)
                    }
                    next += 1
                }
                if next == wanted.count { return true }
                try checkDeadline(call: "avcodec_receive_frame")
            }
        }

        /// Sends `packet` (nil: end of stream, drain) and receives; true once all were delivered.
        func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws -> Bool {
            var rc = avcodec_send_packet(codec.pointer, packet)
            while rc == mm_averror_eagain() {
                if try receive() { return true }
                rc = avcodec_send_packet(codec.pointer, packet)
            }
            if rc < 0 && rc != mm_averror_invaliddata() && !(packet == nil && rc == mm_averror_eof()) {
                throw DecodeError(file: path, reason: .corrupt, call: "avcodec_send_packet",
                                  message: ffmpegErrorText(rc), code: rc)
            }
            return try receive()
        }

        var finished = false
        if let schedule {
            finished = try runScheduled(schedule, send: send)
        } else {
            while try fmt.read(into: packet) {
                defer { av_packet_unref(packet.pointer) }
                guard packet.pointer.pointee.stream_index == info.streamIndex else { continue }
                try checkDeadline(call: "av_read_frame")
                stats.packetsSent += 1
                if try send(packet.pointer) { finished = true; break }
            }
            if !finished { finished = try send(nil) }
        }
        if !finished {
            if exact { throw Abandoned(reason: "frame \(wanted[next]) never came out") }
            throw DecodeError(file: path, reason: .missingFrame, call: "avcodec_receive_frame",
                              message: "frame \(wanted[next]) was never produced by the decoder")
        }
    }

    /// The packet loop of the fast path; returns whether every wanted frame was delivered.
    private func runScheduled(_ schedule: DecodeSchedule,
                              send: (UnsafeMutablePointer<AVPacket>?) throws -> Bool) throws -> Bool {
        var q = 0  // decode index of the next packet
        while true {
            try checkDeadline(call: "av_read_frame")
            if schedule.allWantedSent(before: q) {
                return try send(nil)
            }
            if let k = schedule.seekTarget(next: q) {
                // Out with what is in flight, then restart at k.
                if try send(nil) { return true }
                codec.flush()
                try seek(to: k, schedule)
                stats.seeks += 1
                q = k
            } else {
                guard try readVideoPacket() else { return try send(nil) }
            }
            defer { av_packet_unref(packet.pointer) }
            guard q < schedule.packets.count else { throw Abandoned(reason: "more packets than the scan saw") }
            let expected = schedule.packets[q].pos
            if expected >= 0 && packet.pointer.pointee.pos != expected {
                throw Abandoned(reason: "packet \(q) at byte \(packet.pointer.pointee.pos), the scan saw it at \(expected)")
            }
            let action = schedule.action(forPacket: q)
            q += 1
            switch action {
            case .drop: stats.packetsDropped += 1; continue
            case .decode: codec.skipFrame = AVDISCARD_DEFAULT
            case .skipIfNonReference: codec.skipFrame = AVDISCARD_NONREF; stats.packetsSentSkippable += 1
            }
            stats.packetsSent += 1
            if try send(packet.pointer) { return true }
        }
    }

    /// Reads the next packet of the video stream into `packet`; false at end of file.
    private func readVideoPacket() throws(DecodeError) -> Bool {
        while try fmt.read(into: packet) {
            if packet.pointer.pointee.stream_index == info.streamIndex { return true }
            av_packet_unref(packet.pointer)
        }
        return false
    }

    /// Between packets and frames: the input's time budget (reads also fail once it is spent).
    private func checkDeadline(call: String) throws(DecodeError) {
        if fmt.deadlineExpired {
            throw DecodeError(file: path, reason: .timeout, call: call, message: "time budget exceeded")
        }
    }

    /// Seeks to packet `k` and leaves it in `packet`.
    private func seek(to k: Int, _ schedule: DecodeSchedule) throws {
        let target = schedule.packets[k]
        let stamps = [target.pts, target.dts].filter { $0 != .min }
        guard let stamp = stamps.min() else { throw Abandoned(reason: "packet \(k) has no timestamp to seek to") }
        do throws(DecodeError) {
            try fmt.seek(stream: info.streamIndex, atOrBefore: stamp)
        } catch {
            // Out of time is out of time on the full path too: not a reason to decode in full.
            if error.reason == .timeout { throw error }
            throw Abandoned(reason: "seek failed: \(error)")
        }
        while try readVideoPacket() {
            try checkDeadline(call: "av_read_frame")
            let pos = packet.pointer.pointee.pos
            if pos == target.pos { return }
            if let q = schedule.decodeIndexAtPosition[pos], q > k {
                av_packet_unref(packet.pointer)
                throw Abandoned(reason: "the seek to packet \(k) landed on packet \(q)")
            }
            av_packet_unref(packet.pointer)
        }
        throw Abandoned(reason: "packet \(k) not found after seeking")
    }
}
