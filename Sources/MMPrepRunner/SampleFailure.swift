/// Why one input produced no sample: the stage that failed and the error text (which names the file).
public struct SampleFailure: Error, Sendable, Equatable {
    public enum Stage: String, Sendable {
        case input, decode, sample, resize, text, write
    }

    public var key: String
    public var path: String
    public var stage: Stage
    public var error: String
    /// A short machine-readable cause within the stage: a decode reason (`corrupt`,
    /// `limit-exceeded`, `timeout`, `unsupported-format`, `not-regular`...) or an input one
    /// (`path`, `too-large`, `not-utf8`, `json`, `messages`...); empty when unknown.
    public var reason: String

    public init(key: String, path: String, stage: Stage, error: String, reason: String = "") {
        self.key = key
        self.path = path
        self.stage = stage
        self.error = error
        self.reason = reason
    }
}
