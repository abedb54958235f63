import CFFmpeg

/// Lossless formats that Pillow and FFmpeg decode to the same pixels (BMP, TIFF, GIF's first
/// frame), through FFmpeg's demuxers and decoders.
enum FFmpegImageDecoder {
    static func decode(path: String, limits: ImageLimits) throws(DecodeError) -> RawImage {
        let fmt = try FormatContext(path: path, limits: limits.open)
        let (index, stream) = try fmt.checkedVideoStream(maxFrames: limits.maxAnimationFrames)
        let codec = try CodecContext(stream: stream, threads: 1, file: path, maxPixels: limits.maxPixels,
                                     codecs: limits.codecs)
        let packet = Packet()
        let frame = Frame()
        var sentEOF = false
        var packets = 0
        while true {
            if !sentEOF {
                if try fmt.read(into: packet) {
                    defer { av_packet_unref(packet.pointer) }
                    guard packet.pointer.pointee.stream_index == index else { continue }
                    packets += 1
                    let rc = avcodec_send_packet(codec.pointer, packet.pointer)
                    if rc < 0 && rc != mm_averror_eagain() {
                        throw DecodeError(file: path, reason: .corrupt, call: "avcodec_send_packet",
                                          message: ffmpegErrorText(rc), code: rc)
                    }
                } else {
                    _ = avcodec_send_packet(codec.pointer, nil)
                    sentEOF = true
                }
            }
            if fmt.deadlineExpired {
                throw DecodeError(file: path, reason: .timeout, call: "avcodec_receive_frame", message: "time budget exceeded")
            }
            let rc = avcodec_receive_frame(codec.pointer, frame.pointer)
            if rc == 0 {
                defer { av_frame_unref(frame.pointer) }
                let image = try FrameToRGB.convert(frame.pointer, file: path)
                if fmt.formatName == "gif" {
                    try countFrames(fmt, index: index, seen: packets, packet: packet, limit: limits.maxAnimationFrames)
                }
                return image
            }
            if rc == mm_averror_eagain() && !sentEOF { continue }
            throw DecodeError(file: path, reason: .corrupt, call: "avcodec_receive_frame",
                              message: rc == mm_averror_eof() || rc == mm_averror_eagain()
                                ? "no frame could be decoded" : ffmpegErrorText(rc), code: rc)
        }
    }

    /// An animated image with more frames than the limit is refused even though only its first
    /// frame is used: the rest are demuxed (not decoded) to count them.
    static func countFrames(_ fmt: FormatContext, index: Int32, seen: Int, packet: Packet, limit: Int) throws(DecodeError) {
        var count = seen
        while try fmt.read(into: packet) {
            defer { av_packet_unref(packet.pointer) }
            guard packet.pointer.pointee.stream_index == index else { continue }
            count += 1
            if count > limit {
                throw DecodeError(file: fmt.file, reason: .limitExceeded, call: "av_read_frame",
                                  message: "more than \(limit) frames (limits.max_animation_frames)")
            }
            if fmt.deadlineExpired {
                throw DecodeError(file: fmt.file, reason: .timeout, call: "av_read_frame", message: "time budget exceeded")
            }
        }
    }
}
