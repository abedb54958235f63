/// Why one input produced no sample: the stage that failed and the error text (which names the file).
public struct SampleFailure: Error, Sendable, Equatable {
    public enum Stage: String, Sendable {
        case input, decode, sample, resize, text, write
    }

    public var key: String
    public var path: String
    public var stage: Stage
    public var error: String

    public init(key: String, path: String, stage: Stage, error: String) {
        self.key = key
        self.path = path
        self.stage = stage
        self.error = error
    }
}
