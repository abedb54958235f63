/// Why decoding an input failed. Carries the file, the failing library call and the
/// library's own error text, so that the message names all three.
public struct DecodeError: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// The bytes are not a format mmprep accepts (unknown, or a container on the deny list).
        case unsupportedFormat = "unsupported-format"
        /// The file is damaged or the decoder rejected it.
        case corrupt
        /// The file declares more pixels, frames or streams than the limits allow.
        case limitExceeded = "limit-exceeded"
        /// The file could not be read.
        case io
        /// No video or image stream.
        case noStream = "no-stream"
        /// A frame the plan needs was not produced by the decoder.
        case missingFrame = "missing-frame"
        /// The input took longer than its time budget.
        case timeout
        /// A symlink, fifo, device, socket or directory where a regular file was expected.
        case notRegular = "not-regular"
    }

    public let file: String
    public let reason: Reason
    /// The library call (or mmprep step) that failed, e.g. `avformat_open_input`.
    public let call: String
    /// The library's error text, or mmprep's explanation.
    public let message: String
    /// The library's numeric error code, when there is one.
    public let code: Int32?

    public init(file: String, reason: Reason, call: String, message: String, code: Int32? = nil) {
        self.file = file
        self.reason = reason
        self.call = call
        self.message = message
        self.code = code
    }

    public var description: String {
        "\(file): \(reason.rawValue): \(call): \(message)"
    }
}
