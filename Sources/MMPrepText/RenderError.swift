/// Messages the chat template refuses (the template's own errors, quoted), or vision token
/// counts that do not match the placeholders in the rendered text.
public struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
