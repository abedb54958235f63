import CFFmpeg

/// FFmpeg's own console logging. mmprep reports decode failures through `DecodeError`, so the
/// command-line tool keeps FFmpeg quiet unless asked to be verbose.
public enum FFmpegLogging {
    public enum Level: Int32, Sendable {
        case quiet = -8, error = 16, warning = 24, info = 32, debug = 48
    }

    public static func setLevel(_ level: Level) {
        av_log_set_level(level.rawValue)
    }
}
