/// A problem with an input that is not the media itself: a manifest line, a sidecar, a path.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
