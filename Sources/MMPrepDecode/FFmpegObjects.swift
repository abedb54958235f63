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

    init(stream: UnsafeMutablePointer<AVStream>, threads: Int, file: String, maxPixels: Int) throws(DecodeError) {
        guard let par = stream.pointee.codecpar else {
            throw DecodeError(file: file, reason: .noStream, call: "avcodec_find_decoder", message: "stream has no parameters")
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

/// An opened input, owned. Opening allows only the `file` protocol and the demuxers on
/// `FormatContext.allowedDemuxers`, so playlists, concat lists and image patterns are refused.
final class FormatContext {
    /// Demuxers mmprep opens. Anything FFmpeg detects outside this list is refused.
    static let allowedDemuxers = [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "flv", "mpeg", "mpegts", "ogg", "asf",
        "gif", "bmp_pipe", "tiff_pipe", "png_pipe", "jpeg_pipe", "webp_pipe", "mjpeg",
    ].joined(separator: ",")

    let pointer: UnsafeMutablePointer<AVFormatContext>
    let file: String
    /// Deadline for the interrupt callback, microseconds of av_gettime_relative(); 0 = none.
    private let deadline: UnsafeMutablePointer<Int64>

    init(path: String, deadlineMicros: Int64 = 0, probeBytes: Int = 5 << 20) throws(DecodeError) {
        file = path
        deadline = .allocate(capacity: 1)
        deadline.initialize(to: deadlineMicros)
        guard let ctx = avformat_alloc_context() else {
            deadline.deallocate()
            throw DecodeError(file: path, reason: .io, call: "avformat_alloc_context", message: "out of memory")
        }
        mm_set_interrupt(ctx, deadline)
        var options: OpaquePointer? = nil
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        av_dict_set(&options, "format_whitelist", Self.allowedDemuxers, 0)
        av_dict_set(&options, "probesize", String(probeBytes), 0)
        av_dict_set(&options, "analyzeduration", "10000000", 0)
        var raw: UnsafeMutablePointer<AVFormatContext>? = ctx
        // "file:" keeps a name with ':' from being read as a protocol.
        let rc = avformat_open_input(&raw, "file:" + path, nil, &options)
        av_dict_free(&options)
        guard rc >= 0, let opened = raw else {
            deadline.deallocate()
            let text = ffmpegErrorText(rc)
            let reason: DecodeError.Reason = rc == mm_averror_einval() || rc == mm_averror_invaliddata()
                ? .unsupportedFormat : .io
            throw DecodeError(file: path, reason: reason, call: "avformat_open_input",
                              message: rc == mm_averror_einval() ? "\(text) (the container format is not allowed)" : text,
                              code: rc)
        }
        pointer = opened
        let info = avformat_find_stream_info(opened, nil)
        if info < 0 {
            var p: UnsafeMutablePointer<AVFormatContext>? = opened
            avformat_close_input(&p)
            deadline.deallocate()
            throw DecodeError(file: path, reason: .corrupt, call: "avformat_find_stream_info",
                              message: ffmpegErrorText(info), code: info)
        }
    }

    deinit {
        var p: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&p)
        deadline.deallocate()
    }

    var formatName: String { String(cString: pointer.pointee.iformat.pointee.name) }

    /// The best video stream, or nil.
    func bestVideoStream() -> (index: Int32, stream: UnsafeMutablePointer<AVStream>)? {
        let idx = av_find_best_stream(pointer, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard idx >= 0, let s = pointer.pointee.streams[Int(idx)] else { return nil }
        return (idx, s)
    }

    /// Seeks so that the next packets read start at or before `timestamp` (stream time base)
    /// of stream `stream`, never after it.
    func seek(stream: Int32, atOrBefore timestamp: Int64) throws(DecodeError) {
        let rc = avformat_seek_file(pointer, stream, Int64.min, timestamp, timestamp, 0)
        if rc < 0 {
            throw DecodeError(file: file, reason: .corrupt, call: "avformat_seek_file", message: ffmpegErrorText(rc), code: rc)
        }
    }

    /// Reads the next packet into `packet`; returns false at end of file. Throws on errors.
    func read(into packet: Packet) throws(DecodeError) -> Bool {
        let rc = av_read_frame(pointer, packet.pointer)
        if rc == mm_averror_eof() { return false }
        if rc < 0 {
            if rc == mm_averror_exit() {
                throw DecodeError(file: file, reason: .timeout, call: "av_read_frame", message: "time budget exceeded")
            }
            throw DecodeError(file: file, reason: .corrupt, call: "av_read_frame", message: ffmpegErrorText(rc), code: rc)
        }
        return true
    }
}
