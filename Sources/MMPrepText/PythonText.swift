#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python string operations the chat templates use, on exact Unicode scalars (Swift's
/// `String` comparisons use canonical equivalence; Python's do not).
enum PythonText {
    /// Python's `str.isspace()` set, which Jinja's `trim` (`str.strip()`) removes.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `s.strip()`.
    static func strip(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var lo = 0
        var hi = scalars.count
        while lo < hi, isSpace(scalars[lo]) { lo += 1 }
        while hi > lo, isSpace(scalars[hi - 1]) { hi -= 1 }
        if lo == 0 && hi == scalars.count { return s }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[lo..<hi])
        return String(out)
    }

    /// `s.lstrip("\n")`.
    static func lstripNewlines(_ s: String) -> String {
        let b = Array(s.utf8)
        var lo = 0
        while lo < b.count, b[lo] == 0x0A { lo += 1 }
        return String(decoding: b[lo...], as: UTF8.self)
    }

    /// `s.rstrip("\n")`.
    static func rstripNewlines(_ s: String) -> String {
        let b = Array(s.utf8)
        var hi = b.count
        while hi > 0, b[hi - 1] == 0x0A { hi -= 1 }
        return String(decoding: b[..<hi], as: UTF8.self)
    }

    /// The byte offset of the first occurrence of `needle` in `hay`, at or after `from`.
    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == needle[0], hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func contains(_ s: String, _ sub: String) -> Bool {
        find(Array(sub.utf8), in: Array(s.utf8)) != nil
    }

    static func hasPrefix(_ s: String, _ p: String) -> Bool { s.utf8.starts(with: p.utf8) }

    static func hasSuffix(_ s: String, _ p: String) -> Bool { s.utf8.reversed().starts(with: p.utf8.reversed()) }

    static func equal(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    /// `s.split(sep)[0]`: the text before the first `sep` (all of it when there is none).
    static func beforeFirst(_ s: String, _ sep: String) -> String {
        let b = Array(s.utf8)
        guard let i = find(Array(sep.utf8), in: b) else { return s }
        return String(decoding: b[..<i], as: UTF8.self)
    }

    /// `s.split(sep)[-1]`: the text after the last `sep` (all of it when there is none).
    static func afterLast(_ s: String, _ sep: String) -> String {
        let b = Array(s.utf8)
        let n = Array(sep.utf8)
        var start: Int?
        var i = 0
        while let j = find(n, in: b, from: i) {
            start = j + n.count
            i = j + n.count
        }
        guard let start else { return s }
        return String(decoding: b[start...], as: UTF8.self)
    }

    /// Python's `f"{x:.1f}"` (correctly rounded from the exact binary value, ties to even — the
    /// same as C's `%.1f`).
    static func format1(_ x: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = withVaList([x]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.1f", args) }
        }
        guard n > 0, Int(n) < buffer.count else { return String(x) }
        return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
