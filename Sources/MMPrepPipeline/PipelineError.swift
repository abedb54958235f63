/// A pipeline that cannot be used: names the file (or `--set`), the key path and what was expected.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let keyPath: String
    public let message: String

    public init(source: String, keyPath: String, message: String) {
        self.source = source
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.isEmpty ? "\(source): \(message)" : "\(source): \(keyPath): \(message)"
    }
}
