import CFFmpeg

/// Versions of the FFmpeg libraries mmprep runs against, for dataset indexes and reports.
public enum FFmpegVersions {
    static func dotted(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xFF).\(v & 0xFF)" }

    public static var all: [String: String] {
        [
            "ffmpeg": String(cString: av_version_info()),
            "libavformat": dotted(avformat_version()),
            "libavcodec": dotted(avcodec_version()),
            "libavutil": dotted(avutil_version()),
            "libswscale": dotted(swscale_version()),
        ]
    }
}
