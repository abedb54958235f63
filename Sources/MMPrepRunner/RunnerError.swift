/// A failure in a stage of one sample that is not the decoder's own (sizing, sampling).
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let stage: String
    public let message: String

    public init(file: String, stage: String, message: String) {
        self.file = file
        self.stage = stage
        self.message = message
    }

    public var description: String { "\(file): \(stage): \(message)" }
}
