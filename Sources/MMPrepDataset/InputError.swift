/// A problem with an input that is not the media itself: a manifest line, a sidecar, a path.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    /// A short machine-readable cause: `path`, `not-regular`, `too-large`, `not-utf8`, `io`...
    public let reason: String

    public init(file: String, message: String, reason: String = "input") {
        self.file = file
        self.message = message
        self.reason = reason
    }

    public var description: String { "\(file): \(message)" }
}
