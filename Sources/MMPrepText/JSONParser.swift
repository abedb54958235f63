/// Strict RFC 8259 JSON reader over UTF-8 bytes.
///
/// Rejects (with line and column): invalid UTF-8, raw control characters in strings, lone
/// surrogate escapes, `NaN`/`Infinity`, leading zeros, trailing commas, duplicate object keys,
/// trailing content, integers outside `Int64`, numbers whose value overflows a `Double`, and
/// anything past the limits in `JSONLimits`. A leading UTF-8 byte-order mark is skipped.
struct JSONParser {
    /// Recursion is bounded by the depth limit; this caps the limit itself to keep the stack small.
    static let hardDepthCap = 512

    let bytes: [UInt8]
    let limits: JSONLimits
    var pos = 0
    var depth = 0

    init(bytes: [UInt8], limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count > limits.maxBytes {
            throw error(at: 0, "document is \(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        if let bad = UTF8Check.firstInvalidOffset(bytes) {
            throw error(at: bad, "invalid UTF-8")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count { throw error("unexpected content after the JSON value") }
        return value
    }

    // MARK: values

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character \(describe(bytes[pos])), expected a value")
        }
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > min(limits.maxDepth, Self.hardDepthCap) {
            throw error("nesting deeper than \(min(limits.maxDepth, Self.hardDepthCap)) levels")
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1
        var object = JSONObject()
        var seen = Set<[UInt8]>()
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { pos += 1; depth -= 1; return .object(object) }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a string key") }
            let keyStart = pos
            let key = try parseString()
            if !seen.insert(Array(key.utf8)).inserted {
                throw error(at: keyStart, "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after a key") }
            pos += 1
            skipWhitespace()
            object.appendUnchecked(key, try parseValue())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { pos += 1; continue }
            if peek(UInt8(ascii: "}")) { pos += 1; break }
            throw error("expected ',' or '}' in an object")
        }
        depth -= 1
        return .object(object)
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { pos += 1; depth -= 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { pos += 1; continue }
            if peek(UInt8(ascii: "]")) { pos += 1; break }
            throw error("expected ',' or ']' in an array")
        }
        depth -= 1
        return .array(items)
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        guard pos + n <= bytes.count, bytes[pos..<(pos + n)].elementsEqual(w) else {
            throw error("unexpected characters, expected a value")
        }
        pos += n
    }

    // MARK: strings

    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error(at: start, "unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; break }
            if b < 0x20 { throw error("raw control character \(describe(b)) in a string (must be escaped)") }
            if b == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
            } else {
                out.append(b)
                pos += 1
            }
            if out.count > limits.maxStringBytes {
                throw error(at: start, "string longer than the limit of \(limits.maxStringBytes) bytes")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let escStart = pos
        pos += 1
        guard pos < bytes.count else { throw error(at: escStart, "unterminated escape") }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(escStart)
            if (0xD800...0xDBFF).contains(scalar) {
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw error(at: escStart, "lone high surrogate escape (a string cannot hold it)")
                }
                pos += 2
                let low = try hex4(escStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(at: escStart, "high surrogate escape not followed by a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error(at: escStart, "lone low surrogate escape (a string cannot hold it)")
            }
            if let u = Unicode.Scalar(scalar) { UTF8.encode(u) { out.append($0) } }
        default:
            throw error(at: escStart, "invalid escape \\\(describe(c))")
        }
    }

    mutating func hex4(_ escStart: Int) throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error(at: escStart, "truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error(at: escStart, "invalid \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    // MARK: numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        var integral = true
        if peek(UInt8(ascii: "-")) { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, isDigit(bytes[pos]) { throw error(at: start, "leading zeros are not allowed") }
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if peek(UInt8(ascii: ".")) {
            integral = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit after '.'") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            integral = false
            pos += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("expected a digit in the exponent") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos - start > limits.maxNumberLength {
            throw error(at: start, "number literal longer than \(limits.maxNumberLength) characters")
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if integral {
            guard let i = Int64(text) else {
                throw error(at: start, "integer \(text) is outside the 64-bit range")
            }
            return .integer(i)
        }
        guard let d = Double(text), d.isFinite else {
            throw error(at: start, "number \(text) is too large")
        }
        return .double(d)
    }

    // MARK: helpers

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    func peek(_ b: UInt8) -> Bool { pos < bytes.count && bytes[pos] == b }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    func describe(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "0x" + String(b, radix: 16, uppercase: true)
    }

    func error(_ message: String) -> JSONParseError { error(at: pos, message) }

    func error(at offset: Int, _ message: String) -> JSONParseError {
        let end = min(offset, bytes.count)
        var line = 1
        var column = 1
        for b in bytes[0..<end] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(line: line, column: column, offset: offset, message: message)
    }
}
