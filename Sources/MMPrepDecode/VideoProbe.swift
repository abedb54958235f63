import CFFmpeg
import MMPrepCore

/// Opens a video safely and scans its packets to learn the exact frame count, the
/// per-frame timestamps and the fps.
public enum VideoProbe {
    public static func scan(path: String, limits: VideoLimits = VideoLimits()) throws(DecodeError) -> VideoInfo {
        let fmt = try FormatContext(path: path, limits: limits.open)
        // Animated images have their own, lower frame limit.
        let maxFrames = fmt.formatName == "gif" ? min(limits.maxFrames, limits.maxAnimationFrames) : limits.maxFrames
        let (index, stream) = try fmt.checkedVideoStream(maxFrames: maxFrames)
        let par = stream.pointee.codecpar.pointee
        let w = Int(par.width), h = Int(par.height)
        let tb = stream.pointee.time_base
        guard tb.num > 0, tb.den > 0 else {
            throw DecodeError(file: path, reason: .corrupt, call: "avformat_find_stream_info",
                              message: "the video stream has no time base (\(tb.num)/\(tb.den))")
        }
        // Discard every other stream at the demuxer.
        for i in 0..<Int(fmt.pointer.pointee.nb_streams) where i != Int(index) {
            fmt.pointer.pointee.streams[i]?.pointee.discard = AVDISCARD_ALL
        }
        let packet = Packet()
        let inspector = PacketInspector(codecID: par.codec_id, extradata: par.extradata.map { UnsafePointer($0) },
                                        extradataSize: Int(par.extradata_size))
        var pts: [Int64] = []
        var packets: [VideoPacket] = []
        var maxEnd = Int64.min
        let nopts = mm_av_nopts_value()
        let discardFlag = mm_av_pkt_flag_discard()
        let keyFlag = mm_av_pkt_flag_key()
        while try fmt.read(into: packet) {
            defer { av_packet_unref(packet.pointer) }
            let p = packet.pointer.pointee
            guard p.stream_index == index else { continue }
            let traits = inspector.traits(of: UnsafeBufferPointer(start: p.data, count: Int(max(0, p.size))),
                                          keyFlag: (p.flags & keyFlag) != 0)
            packets.append(VideoPacket(pts: p.pts == nopts ? .min : p.pts, dts: p.dts == nopts ? .min : p.dts, pos: p.pos,
                                       frameIndex: (p.flags & discardFlag) == 0 ? Int32(pts.count) : -1,
                                       resetsDecoder: traits.resetsDecoder,
                                       carriesParameterSets: traits.carriesParameterSets))
            if fmt.deadlineExpired {
                throw DecodeError(file: path, reason: .timeout, call: "av_read_frame", message: "time budget exceeded")
            }
            guard (p.flags & discardFlag) == 0 else {
                // Packets flagged discard are kept in the scan too: bounded like frames.
                if packets.count - pts.count > maxFrames {
                    throw DecodeError(file: path, reason: .limitExceeded, call: "av_read_frame",
                                      message: "more than \(maxFrames) packets flagged discard")
                }
                continue
            }
            var t = p.pts != nopts ? p.pts : p.dts
            // Saturating: absurd timestamps end as a duration over the limit, not an overflow.
            if t == nopts { t = (pts.last ?? 0).addingSaturating(max(1, p.duration)) }
            pts.append(t)
            maxEnd = max(maxEnd, t.addingSaturating(max(0, p.duration)))
            if pts.count > maxFrames {
                throw DecodeError(file: path, reason: .limitExceeded, call: "av_read_frame",
                                  message: "more than \(maxFrames) frames")
            }
        }
        guard !pts.isEmpty else {
            throw DecodeError(file: path, reason: .corrupt, call: "av_read_frame", message: "the video stream has no frames")
        }
        // Packets carry frames in decode order; frame i is the i-th timestamp in pts order.
        let order = pts.indices.sorted { (pts[$0], $0) < (pts[$1], $1) }
        var rank = [Int32](repeating: 0, count: pts.count)
        for (i, k) in order.enumerated() { rank[k] = Int32(i) }
        for k in packets.indices where packets[k].frameIndex >= 0 {
            packets[k].frameIndex = rank[Int(packets[k].frameIndex)]
        }
        pts.sort()
        // Frame i is the first frame at or after the i-th timestamp: frames sharing one cannot be
        // told apart (every index would get the first of them).
        if let dup = zip(pts, pts.dropFirst()).first(where: { $0.0 == $0.1 }) {
            let shared = pts.filter { $0 == dup.0 }.count
            throw DecodeError(file: path, reason: .corrupt, call: "av_read_frame",
                              message: "\(shared) frames share the timestamp \(dup.0); frames cannot be told apart")
        }
        // Seconds as torchcodec computes them: pts * num / den, then end - begin.
        func seconds(_ t: Int64) -> Double { Double(t) * Double(tb.num) / Double(tb.den) }
        var duration = seconds(maxEnd) - seconds(pts[0])
        let header = stream.pointee.avg_frame_rate
        let headerFPS: Double? = header.num > 0 && header.den > 0 ? Double(header.num) / Double(header.den) : nil
        var fps = duration > 0 ? Double(pts.count) / duration : 0
        if !(fps > 0 && fps.isFinite) {
            // A single frame without a duration: fall back to the header. Many frames at one
            // instant with no frame rate in the header: the fps is unknowable.
            guard pts.count == 1 || headerFPS != nil else {
                throw DecodeError(file: path, reason: .corrupt, call: "av_read_frame",
                                  message: "\(pts.count) frames span 0 s and the header gives no frame rate (fps 0)")
            }
            fps = headerFPS ?? 1
            duration = Double(pts.count) / fps
        }
        guard duration <= limits.maxDurationSeconds else {
            throw DecodeError(file: path, reason: .limitExceeded, call: "av_read_frame",
                              message: "duration \(duration) s, above the limit of \(limits.maxDurationSeconds) s")
        }
        let rotation = Self.rotation(of: stream)
        return VideoInfo(
            container: fmt.formatName,
            codec: String(cString: avcodec_get_name(par.codec_id)),
            pixelFormat: String(cString: mm_pix_fmt_name(par.format)),
            codedWidth: w, codedHeight: h, rotation: rotation,
            colorMatrix: String(cString: av_color_space_name(par.color_space) ?? av_color_space_name(AVCOL_SPC_UNSPECIFIED)),
            colorRange: String(cString: av_color_range_name(par.color_range) ?? av_color_range_name(AVCOL_RANGE_UNSPECIFIED)),
            frameCount: pts.count, fps: fps, duration: duration, headerFPS: headerFPS,
            framePTS: pts, timeBaseNum: tb.num, timeBaseDen: tb.den, streamIndex: index, packets: packets)
    }

    /// Clockwise display rotation in degrees, as the ffmpeg CLI's autorotate computes it.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        let ccw = mm_stream_rotation(stream)
        guard !ccw.isNaN else { return 0 }
        var theta = -ccw
        theta -= 360 * (theta / 360 + 0.9 / 360).rounded(.down)
        for r in [0, 90, 180, 270, 360] where abs(theta - Double(r)) < 1 {
            return r % 360
        }
        return 0
    }
}
