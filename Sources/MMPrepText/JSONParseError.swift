/// JSON text that could not be read: where (1-based line and column, the column counted in
/// Unicode scalars; and the byte offset) and why.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let offset: Int
    public let message: String

    public init(line: Int, column: Int, offset: Int, message: String) {
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Limits that keep hostile or broken input from using unbounded memory or stack.
public struct JSONLimits: Sendable, Equatable {
    /// Largest document, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of arrays and objects (the top-level value is depth 1).
    public var maxDepth: Int
    /// Longest single string, in UTF-8 bytes after unescaping.
    public var maxStringBytes: Int
    /// Longest number literal, in characters.
    public var maxNumberLength: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 64, maxStringBytes: Int = 16 << 20, maxNumberLength: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxNumberLength = maxNumberLength
    }
}
