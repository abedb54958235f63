/// A JSON value that keeps what a record said: integers stay exact (`Int64`), objects keep
/// their key order, so a record read and written again comes out the same.
///
/// Read one with `JSONValue.parse` (limits on size and nesting, errors with line and column)
/// and write one with `serialized()` (compact, deterministic). `Codable` is there for
/// convenience; note that Foundation's decoders do not report key order, so decoding through
/// `Decoder` sorts object keys — use `parse` to keep them.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func int(_ v: Int64) -> JSONValue { .number(.integer(v)) }
    public static func double(_ v: Double) -> JSONValue { .number(.double(v)) }

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }

    /// The number as a `Double` (integers converted), or nil for any other kind.
    public var doubleValue: Double? {
        guard case .number(let n) = self else { return nil }
        return n.doubleValue
    }

    /// The number as an `Int64` when it is integral (`3` or `3.0`) and in range, else nil.
    public var int64Value: Int64? {
        guard case .number(let n) = self else { return nil }
        return n.int64Value
    }

    /// Member `key` of an object (nil for a missing key or a non-object).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses UTF-8 JSON text with the given limits.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .init()) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, limits: limits)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String, limits: JSONLimits = .init()) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }
}

/// A JSON number: exact when the text was an integer that fits in `Int64`, else a `Double`.
public enum JSONNumber: Sendable, Equatable, Hashable {
    case integer(Int64)
    case double(Double)

    public var doubleValue: Double {
        switch self {
        case .integer(let i): Double(i)
        case .double(let d): d
        }
    }

    public var int64Value: Int64? {
        switch self {
        case .integer(let i): i
        case .double(let d): (d.rounded() == d && abs(d) < 9.2e18) ? Int64(d) : nil
        }
    }
}
