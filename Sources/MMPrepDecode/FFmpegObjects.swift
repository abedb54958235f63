import CFFmpeg

/// The text FFmpeg gives for an error code.
func ffmpegErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    mm_av_strerror(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// An owned `AVPacket`.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>
    init() {
        guard let p = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = p
    }
    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}

/// An owned `AVFrame`.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>
    init() {
        guard let p = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = p
    }
    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&p)
    }
}

/// An opened decoder for one stream, owned.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init(stream: UnsafeMutablePointer<AVStream>, threads: Int, file: String, maxPixels: Int,
         codecs: [String]?) throws(DecodeError) {
        guard let par = stream.pointee.codecpar else {
            throw DecodeError(file: file, reason: .noStream, call: "avcodec_find_decoder", message: "stream has no parameters")
        }
        let codecName = String(cString: avcodec_get_name(par.pointee.codec_id))
        if let codecs, !codecs.contains(codecName) {
            throw DecodeError(file: file, reason: .unsupportedFormat, call: "avcodec_find_decoder",
                              message: "codec \(codecName) is not on the allow list (limits.codecs)")
        }
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(par.pointee.codec_id))
            throw DecodeError(file: file, reason: .unsupportedFormat, call: "avcodec_find_decoder",
                              message: "no decoder for codec \(name)")
        }
        guard let ctx = avcodec_alloc_context3(codec) else {
            throw DecodeError(file: file, reason: .io, call: "avcodec_alloc_context3", message: "out of memory")
        }
        pointer = ctx
        var rc = avcodec_parameters_to_context(ctx, par)
        if rc < 0 {
            throw DecodeError(file: file, reason: .corrupt, call: "avcodec_parameters_to_context",
                              message: ffmpegErrorText(rc), code: rc)
        }
        ctx.pointee.thread_count = Int32(max(0, threads))
        ctx.pointee.pkt_timebase = stream.pointee.time_base
        var options: OpaquePointer? = nil
        av_dict_set(&options, "max_pixels", String(maxPixels), 0)
        rc = avcodec_open2(ctx, codec, &options)
        av_dict_free(&options)
        if rc < 0 {
            throw DecodeError(file: file, reason: .corrupt, call: "avcodec_open2", message: ffmpegErrorText(rc), code: rc)
        }
    }

    deinit {
        var p: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&p)
    }

    /// Which frames the decoder may drop, applied to the packets sent from now on.
    var skipFrame: AVDiscard {
        get { pointer.pointee.skip_frame }
        set { if pointer.pointee.skip_frame != newValue { pointer.pointee.skip_frame = newValue } }
    }

    /// Drops every frame in flight and leaves the draining state (after a seek).
    func flush() {
        avcodec_flush_buffers(pointer)
    }
}
