import Foundation
import MMPrepText
import Testing

struct JSONValueTests {
    @Test func roundTripKeepsKeyOrderAndExactIntegers() throws {
        let text = #"{"z":1,"a":[true,false,null],"m":{"y":-9223372036854775808,"b":9223372036854775807},"d":0.1,"e":1.0,"s":"é\n\"\\"}"#
        let v = try JSONValue.parse(text)
        #expect(v.objectValue?.keys == ["z", "a", "m", "d", "e", "s"])
        #expect(v["m"]?["y"] == .int(Int64.min))
        #expect(v["m"]?["b"] == .int(Int64.max))
        #expect(v["d"] == .double(0.1))
        #expect(v["e"] == .double(1.0))
        #expect(v.serialized() == text)
        #expect(try JSONValue.parse(v.serialized()) == v)
    }

    @Test func serializerIsCompactAndEscapes() throws {
        let v = try JSONValue.parse(" { \"a\" : [ 1 , 2.5e3 , \"\\u0001\\t\\/\" ] , \"b\" : \"\\ud83d\\ude00 ü\" } ")
        #expect(v.serialized() == "{\"a\":[1,2500.0,\"\\u0001\\t/\"],\"b\":\"😀 ü\"}")
        #expect(JSONValue.double(1e-7).serialized() == "1e-07")
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.string("\u{7F}\u{1F}").serialized() == "\"\u{7F}\\u001f\"")
    }

    @Test func numbersAreIntegersOnlyWhenTheTextIs() throws {
        #expect(try JSONValue.parse("3") == .int(3))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(try JSONValue.parse("3.0") == .double(3))
        #expect(try JSONValue.parse("3e0") == .double(3))
        #expect(try JSONValue.parse("3.0").int64Value == 3)
        #expect(try JSONValue.parse("3.5").int64Value == nil)
        #expect(try JSONValue.parse("1e-400") == .double(0))
    }

    @Test func keysCompareByScalarsNotCanonicalEquivalence() throws {
        let v = try JSONValue.parse("{\"e\\u0301\":1,\"\\u00e9\":2}")
        #expect(v.objectValue?.count == 2)
        #expect(v["\u{E9}"] == .int(2))
        #expect(v["e\u{301}"] == .int(1))
    }

    @Test func nestingLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(ok).arrayValue != nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let e = try #require(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        #expect(e.message.contains("nesting deeper than 64"))
        // A hostile depth far past any stack is refused at the limit, not by crashing.
        let hostile = String(repeating: "{\"a\":", count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(hostile) }
        let custom = JSONLimits(maxDepth: 3)
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[[[[]]]]", limits: custom) }
    }

    @Test func sizeLimits() throws {
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[1, 2, 3]", limits: JSONLimits(maxBytes: 4)) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("\"abcdef\"", limits: JSONLimits(maxStringBytes: 5)) }
        #expect(try JSONValue.parse("\"abcde\"", limits: JSONLimits(maxStringBytes: 5)) == .string("abcde"))
        let long = "1" + String(repeating: "0", count: 100) + ".5"
        let e = try #require(throws: JSONParseError.self) { try JSONValue.parse(long) }
        #expect(e.message.contains("longer than"))
    }

    @Test(arguments: [
        ("NaN", "expected a value"),
        ("Infinity", "expected a value"),
        ("[1,]", "expected a value"),
        ("{\"a\":1,}", "expected a string key"),
        ("01", "leading zeros"),
        ("1.", "after '.'"),
        ("1e", "exponent"),
        ("-", "expected a digit"),
        ("99999999999999999999", "outside the 64-bit range"),
        ("1e400", "too large"),
        ("-1e400", "too large"),
        ("\"\\ud800\"", "lone high surrogate"),
        ("\"\\udc00\"", "lone low surrogate"),
        ("\"\\ud800\\u0041\"", "not followed by a low surrogate"),
        ("\"\\x\"", "invalid escape"),
        ("\"\\u12G4\"", "invalid \\u escape"),
        ("\"a\tb\"", "raw control character"),
        ("\"abc", "unterminated string"),
        ("{\"a\":1,\"a\":2}", "duplicate key"),
        ("[1] [2]", "after the JSON value"),
        ("", "unexpected end of input"),
        ("tru", "expected a value"),
        ("{\"a\" 1}", "expected ':'"),
    ])
    func rejectsMalformedInput(text: String, expected: String) {
        let e = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(e?.message.contains(expected) == true, "\(text): \(e?.message ?? "no error")")
    }

    @Test func rejectsInvalidUTF8WithItsPosition() throws {
        let cases: [[UInt8]] = [
            [0x22, 0xC3, 0x22],             // truncated 2-byte sequence
            [0x22, 0xC0, 0xAF, 0x22],       // overlong '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22], // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
            [0x22, 0xFF, 0x22],
        ]
        for bytes in cases {
            let e = try #require(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
            #expect(e.message == "invalid UTF-8")
            #expect(e.offset == 1)
        }
    }

    @Test func errorsNameLineAndColumn() throws {
        let text = "{\n  \"é\": [1,\n    2 3]\n}"
        let e = try #require(throws: JSONParseError.self) { try JSONValue.parse(text) }
        #expect(e.line == 3)
        #expect(e.column == 7)
        #expect(e.description.hasPrefix("line 3, column 7: "))
    }

    @Test func skipsAByteOrderMark() throws {
        #expect(try JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.int(1)]))
    }

    @Test func objectEditingKeepsOrder() {
        var o = JSONObject(["b": .int(1), "a": .int(2)])
        o["c"] = .null
        o["b"] = .string("x")
        o["a"] = nil
        #expect(o.keys == ["b", "c"])
        #expect(JSONValue.object(o).serialized() == #"{"b":"x","c":null}"#)
    }

    @Test func codableRoundTrip() throws {
        let v = try JSONValue.parse(#"{"a":[1,2.5,"x",null,true],"b":{"c":-3}}"#)
        let data = try JSONEncoder().encode(v)
        let back = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(back == v)
    }
}
