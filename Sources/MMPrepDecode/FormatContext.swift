import CFFmpeg
#if canImport(Glibc)
import Glibc
#endif

/// An opened input, owned.
///
/// The file is opened by mmprep (`FileBytes.openRegular`: no symlink, regular, non-empty, within
/// the size limit) and FFmpeg reads it through an AVIOContext over that descriptor, so FFmpeg
/// never sees the file's name: `%d`, `:`, a leading `-` or non-UTF-8 bytes cannot be misread, and
/// no protocol is involved. Only the demuxers on `allowedDemuxers` are probed, every other file a
/// demuxer would open (playlist entries, references) is refused, probing is capped in bytes and
/// stream time, the decoders `avformat_find_stream_info` opens carry `max_pixels`, and reads fail
/// with `timeout` once the deadline passes.
final class FormatContext {
    /// Demuxers mmprep opens. Anything FFmpeg detects outside this list is refused.
    static let allowed: Set<String> = [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "flv", "mpeg", "mpegts", "ogg", "asf",
        "gif", "bmp_pipe", "tiff_pipe", "png_pipe", "jpeg_pipe", "webp_pipe", "mjpeg",
    ]
    static let allowedDemuxers = allowed.sorted().joined(separator: ",")

    let pointer: UnsafeMutablePointer<AVFormatContext>
    let file: String
    let limits: OpenLimits
    /// Deadline for the interrupt callback and the reads, microseconds of av_gettime_relative(); 0 = none.
    private let deadline: UnsafeMutablePointer<Int64>
    private var io: UnsafeMutablePointer<AVIOContext>?

    init(path: String, limits: OpenLimits) throws(DecodeError) {
        file = path
        self.limits = limits
        av_max_alloc(limits.maxAllocBytes)
        let (fd, size) = try FileBytes.openRegular(path)
        guard size <= limits.maxFileBytes else {
            close(fd)
            throw DecodeError(file: path, reason: .limitExceeded, call: "fstat",
                              message: "the file has \(size) bytes, above the limit of \(limits.maxFileBytes)")
        }
        let deadline = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        deadline.initialize(to: limits.deadlineMicros)
        guard let io = mm_fd_avio_alloc(fd, Int64(size), deadline) else {
            close(fd)
            deadline.deallocate()
            throw DecodeError(file: path, reason: .io, call: "avio_alloc_context", message: "out of memory")
        }
        var ioOwned: UnsafeMutablePointer<AVIOContext>? = io
        func cleanUp() {
            mm_fd_avio_free(&ioOwned)
            deadline.deallocate()
        }
        guard let ctx = avformat_alloc_context() else {
            cleanUp()
            throw DecodeError(file: path, reason: .io, call: "avformat_alloc_context", message: "out of memory")
        }
        mm_set_interrupt(ctx, deadline)
        // Detect the container first, so that "not a format mmprep opens" (unsupported-format)
        // and "a damaged file of an allowed format" (corrupt) are told apart.
        var detected: UnsafePointer<AVInputFormat>? = nil
        let score = mm_probe_format(io, &detected, UInt32(limits.probeBytes))
        guard score >= 0, let format = detected else {
            avformat_free_context(ctx)
            cleanUp()
            if score == mm_averror_exit() {
                throw DecodeError(file: path, reason: .timeout, call: "av_probe_input_buffer2", message: "time budget exceeded")
            }
            throw DecodeError(file: path, reason: .unsupportedFormat, call: "av_probe_input_buffer2",
                              message: "not a media format FFmpeg recognises (\(ffmpegErrorText(score)))", code: score)
        }
        let formatName = String(cString: format.pointee.name)
        guard formatName.split(separator: ",").contains(where: { Self.allowed.contains(String($0)) }) else {
            avformat_free_context(ctx)
            cleanUp()
            throw DecodeError(file: path, reason: .unsupportedFormat, call: "av_probe_input_buffer2",
                              message: "detected as \(formatName), a container format mmprep does not open")
        }
        var options: OpaquePointer? = nil
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        av_dict_set(&options, "format_whitelist", Self.allowedDemuxers, 0)
        av_dict_set(&options, "probesize", String(limits.probeBytes), 0)
        av_dict_set(&options, "analyzeduration", String(limits.analyzeMicros), 0)
        var raw: UnsafeMutablePointer<AVFormatContext>? = ctx
        let rc = mm_open_custom_input(&raw, io, format, &options)
        av_dict_free(&options)
        guard rc >= 0, let opened = raw else {
            cleanUp()
            if rc == mm_averror_exit() {
                throw DecodeError(file: path, reason: .timeout, call: "avformat_open_input", message: "time budget exceeded")
            }
            if let e = Self.readErrno(io) {
                throw DecodeError(file: path, reason: .io, call: "read", message: String(cString: strerror(e)), code: rc)
            }
            throw DecodeError(file: path, reason: .corrupt, call: "avformat_open_input",
                              message: "\(formatName): \(ffmpegErrorText(rc))", code: rc)
        }
        pointer = opened
        self.deadline = deadline
        self.io = ioOwned
        // Limits on what the header declares, before any decoder runs.
        try checkStreamCount(call: "avformat_open_input")
        try checkDeclaredSizes()
        var streamOptions: OpaquePointer? = nil
        av_dict_set(&streamOptions, "max_pixels", String(limits.maxPixels), 0)
        let info = mm_find_stream_info(opened, streamOptions)
        av_dict_free(&streamOptions)
        if info < 0 {
            if info == mm_averror_exit() {
                throw DecodeError(file: path, reason: .timeout, call: "avformat_find_stream_info",
                                  message: "time budget exceeded")
            }
            throw failure(call: "avformat_find_stream_info", rc: info)
        }
        try checkStreamCount(call: "avformat_find_stream_info")
    }

    deinit {
        var p: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&p)
        mm_fd_avio_free(&io)
        deadline.deallocate()
    }

    private func checkStreamCount(call: String) throws(DecodeError) {
        let n = Int(pointer.pointee.nb_streams)
        guard n <= limits.maxStreams else {
            throw DecodeError(file: file, reason: .limitExceeded, call: call,
                              message: "\(n) streams, above the limit of \(limits.maxStreams)")
        }
    }

    /// Every video stream's size as the header declares it (a decoder that refuses it during
    /// find_stream_info would leave no size to check afterwards).
    private func checkDeclaredSizes() throws(DecodeError) {
        for i in 0..<Int(pointer.pointee.nb_streams) {
            guard let par = pointer.pointee.streams[i]?.pointee.codecpar,
                  par.pointee.codec_type == AVMEDIA_TYPE_VIDEO else { continue }
            let w = Int(par.pointee.width), h = Int(par.pointee.height)
            if w > 0, h > 0, w > limits.maxPixels / h {
                throw DecodeError(file: file, reason: .limitExceeded, call: "avformat_open_input",
                                  message: "stream \(i) declares \(w)x\(h) frames, above the limit of \(limits.maxPixels) pixels")
            }
        }
    }

    var formatName: String { String(cString: pointer.pointee.iformat.pointee.name) }

    /// The best video stream, or nil.
    func bestVideoStream() -> (index: Int32, stream: UnsafeMutablePointer<AVStream>)? {
        let idx = av_find_best_stream(pointer, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard idx >= 0, let s = pointer.pointee.streams[Int(idx)] else { return nil }
        return (idx, s)
    }

    /// The best video stream, checked against the limits on what it declares: codec on the
    /// allow list, width x height, frame count and duration.
    func checkedVideoStream(maxFrames: Int) throws(DecodeError) -> (index: Int32, stream: UnsafeMutablePointer<AVStream>) {
        guard let (index, stream) = bestVideoStream() else {
            throw DecodeError(file: file, reason: .noStream, call: "av_find_best_stream", message: "no video stream")
        }
        let par = stream.pointee.codecpar.pointee
        let codec = String(cString: avcodec_get_name(par.codec_id))
        if let allowed = limits.codecs, !allowed.contains(codec) {
            throw DecodeError(file: file, reason: .unsupportedFormat, call: "avformat_find_stream_info",
                              message: "codec \(codec) is not on the allow list (limits.codecs)")
        }
        let w = Int(par.width), h = Int(par.height)
        guard w > 0, h > 0 else {
            throw DecodeError(file: file, reason: .corrupt, call: "avformat_find_stream_info",
                              message: "the video stream declares no size")
        }
        guard w <= limits.maxPixels / h else {
            throw DecodeError(file: file, reason: .limitExceeded, call: "avformat_find_stream_info",
                              message: "frames are \(w)x\(h), above the limit of \(limits.maxPixels) pixels")
        }
        if stream.pointee.nb_frames > Int64(maxFrames) {
            throw DecodeError(file: file, reason: .limitExceeded, call: "avformat_find_stream_info",
                              message: "declares \(stream.pointee.nb_frames) frames, above the limit of \(maxFrames)")
        }
        let declared = declaredDuration(stream)
        if declared > limits.maxDurationSeconds {
            throw DecodeError(file: file, reason: .limitExceeded, call: "avformat_find_stream_info",
                              message: "declares a duration of \(declared) s, above the limit of \(limits.maxDurationSeconds) s")
        }
        return (index, stream)
    }

    /// The longer of the container's and the stream's declared durations, seconds (0 if none).
    func declaredDuration(_ stream: UnsafeMutablePointer<AVStream>) -> Double {
        let nopts = mm_av_nopts_value()
        var seconds = 0.0
        let d = pointer.pointee.duration
        if d != nopts && d > 0 { seconds = Double(d) / 1_000_000 }
        let tb = stream.pointee.time_base
        let sd = stream.pointee.duration
        if sd != nopts && sd > 0 && tb.num > 0 && tb.den > 0 {
            seconds = max(seconds, Double(sd) * Double(tb.num) / Double(tb.den))
        }
        return seconds
    }

    /// Seeks so that the next packets read start at or before `timestamp` (stream time base)
    /// of stream `stream`, never after it. A seek interrupted by the deadline is a `timeout`.
    func seek(stream: Int32, atOrBefore timestamp: Int64) throws(DecodeError) {
        let rc = avformat_seek_file(pointer, stream, Int64.min, timestamp, timestamp, 0)
        if rc < 0 {
            if rc == mm_averror_exit() || deadlineExpired {
                throw DecodeError(file: file, reason: .timeout, call: "avformat_seek_file", message: "time budget exceeded")
            }
            throw failure(call: "avformat_seek_file", rc: rc)
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
            throw failure(call: "av_read_frame", rc: rc)
        }
        return true
    }

    /// The errno of a failed read(2)/lseek(2) on the input, if FFmpeg's error came from one.
    static func readErrno(_ io: UnsafeMutablePointer<AVIOContext>?) -> Int32? {
        let e = mm_fd_avio_errno(io)
        return e != 0 ? e : nil
    }

    /// An FFmpeg error: `io` when reading the file failed (EIO, ESTALE...: worth retrying),
    /// `corrupt` when the data is damaged.
    func failure(call: String, rc: Int32) -> DecodeError {
        if let e = Self.readErrno(io) {
            return DecodeError(file: file, reason: .io, call: "read", message: String(cString: strerror(e)), code: rc)
        }
        return DecodeError(file: file, reason: .corrupt, call: call, message: ffmpegErrorText(rc), code: rc)
    }

    /// Whether the deadline has passed.
    var deadlineExpired: Bool { limits.deadlineMicros > 0 && av_gettime_relative() > limits.deadlineMicros }
}
