/// A problem that stops the service from starting or running (bad folders, a second instance...).
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
