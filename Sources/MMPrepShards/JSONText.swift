import Foundation

/// Small, deterministic JSON writing (sorted keys, shortest round-trip numbers).
public enum JSONText {
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) + ".0" }
        return "\(v)"
    }

    public static func array(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
    public static func array(_ values: [Double]) -> String { "[" + values.map(number).joined(separator: ",") + "]" }
    public static func array(_ values: [String]) -> String { "[" + values.map(string).joined(separator: ",") + "]" }

    public static func string(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }

    /// Renders a JSON value made of dictionaries, arrays, strings, Ints, Doubles, Bools and NSNull.
    public static func render(_ value: Any, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case let d as [String: Any]:
            if d.isEmpty { return "{}" }
            let items = d.keys.sorted().map { "\(inner)\(string($0)): \(render(d[$0]!, indent: inner))" }
            return "{\n" + items.joined(separator: ",\n") + "\n\(indent)}"
        case let a as [Any]:
            return "[" + a.map { render($0, indent: inner) }.joined(separator: ", ") + "]"
        case let s as String: return string(s)
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let x as Double: return number(x)
        default: return "null"
        }
    }
}

extension JSONText {
    /// A compact object from (key, already-rendered JSON value) pairs, in the given order.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Compact rendering (one line) of dictionaries (sorted keys), arrays and scalars.
    public static func compact(_ value: Any) -> String {
        switch value {
        case let d as [String: Any]:
            return "{" + d.keys.sorted().map { "\(string($0)):\(compact(d[$0]!))" }.joined(separator: ",") + "}"
        case let a as [Any]:
            return "[" + a.map(compact).joined(separator: ",") + "]"
        case let s as String: return string(s)
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let x as Double: return number(x)
        default: return "null"
        }
    }
}
