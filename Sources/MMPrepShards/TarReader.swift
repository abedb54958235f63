import Foundation

/// Reads the regular-file members of a tar archive written by `TarWriter` (ustar + pax paths).
public enum TarReader {
    public static func entries(_ bytes: [UInt8]) -> [(String, ArraySlice<UInt8>)] {
        var out: [(String, ArraySlice<UInt8>)] = []
        var offset = 0
        var paxPath: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            func field(_ start: Int, _ length: Int) -> String {
                let slice = bytes[(offset + start)..<(offset + start + length)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            let size = Int(field(124, 12).trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
            let type = bytes[offset + 156]
            let dataStart = offset + 512
            guard dataStart + size <= bytes.count else { break }
            let data = bytes[dataStart..<(dataStart + size)]
            if type == UInt8(ascii: "x") {
                let text = String(decoding: data, as: UTF8.self)
                if let r = text.range(of: " path=") {
                    paxPath = String(text[r.upperBound...].prefix { $0 != "\n" })
                }
            } else if type == UInt8(ascii: "0") || type == 0 {
                out.append((paxPath ?? field(0, 100), data))
                paxPath = nil
            }
            offset = dataStart + (size + 511) / 512 * 512
        }
        return out
    }
}
