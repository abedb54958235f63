import CFFmpeg

/// Lossless formats that Pillow and FFmpeg decode to the same pixels (BMP, TIFF, GIF's first
/// frame), through FFmpeg's demuxers and decoders.
enum FFmpegImageDecoder {
    static func decode(path: String, limits: ImageLimits) throws(DecodeError) -> RawImage {
        let fmt = try FormatContext(path: path)
        guard let (index, stream) = fmt.bestVideoStream() else {
            throw DecodeError(file: path, reason: .noStream, call: "av_find_best_stream", message: "no image stream")
        }
        let par = stream.pointee.codecpar.pointee
        if Int(par.width) * Int(par.height) > limits.maxPixels {
            throw DecodeError(file: path, reason: .limitExceeded, call: "avformat_find_stream_info",
                              message: "image is \(par.width)x\(par.height), above the limit of \(limits.maxPixels) pixels")
        }
        let codec = try CodecContext(stream: stream, threads: 1, file: path, maxPixels: limits.maxPixels)
        let packet = Packet()
        let frame = Frame()
        var sentEOF = false
        while true {
            if !sentEOF {
                if try fmt.read(into: packet) {
                    defer { av_packet_unref(packet.pointer) }
                    guard packet.pointer.pointee.stream_index == index else { continue }
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
            let rc = avcodec_receive_frame(codec.pointer, frame.pointer)
            if rc == 0 {
                defer { av_frame_unref(frame.pointer) }
                return try FrameToRGB.convert(frame.pointer, file: path)
            }
            if rc == mm_averror_eagain() && !sentEOF { continue }
            throw DecodeError(file: path, reason: .corrupt, call: "avcodec_receive_frame",
                              message: rc == mm_averror_eof() || rc == mm_averror_eagain()
                                ? "no frame could be decoded" : ffmpegErrorText(rc), code: rc)
        }
    }
}
