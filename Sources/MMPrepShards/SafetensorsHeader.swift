import Foundation

/// The header of a safetensors file, read without loading the tensors.
public struct SafetensorsHeader: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var begin: Int
        public var end: Int
    }

    public var entries: [Entry]
    public var metadata: [String: String]
    /// Offset of the first tensor byte in the file.
    public var dataOffset: Int

    public static func read(_ path: String) throws -> SafetensorsHeader {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SafetensorsError(file: path, message: "cannot open")
        }
        defer { try? handle.close() }
        let lengthBytes = try handle.read(upToCount: 8) ?? Data()
        guard lengthBytes.count == 8 else { throw SafetensorsError(file: path, message: "shorter than a header") }
        var n: UInt64 = 0
        for (i, b) in lengthBytes.enumerated() { n |= UInt64(b) << (8 * UInt64(i)) }
        guard n < 100 << 20 else { throw SafetensorsError(file: path, message: "header of \(n) bytes is implausible") }
        let header = try handle.read(upToCount: Int(n)) ?? Data()
        guard header.count == Int(n),
              let json = try JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw SafetensorsError(file: path, message: "header is not a JSON object")
        }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let off = e["data_offsets"] as? [Int], off.count == 2 else {
                throw SafetensorsError(file: path, message: "bad entry for \(name)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: off[0], end: off[1]))
        }
        return SafetensorsHeader(entries: entries.sorted { $0.name < $1.name }, metadata: metadata, dataOffset: 8 + Int(n))
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// Reads rows `rows` of a 2-D tensor.
    public func readRows(_ name: String, rows: Range<Int>, from path: String) throws -> [UInt8] {
        guard let e = entry(name), e.shape.count == 2, e.shape[0] > 0 else {
            throw SafetensorsError(file: path, message: "no 2-D tensor \(name)")
        }
        let rowBytes = (e.end - e.begin) / e.shape[0]
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SafetensorsError(file: path, message: "cannot open") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(dataOffset + e.begin + rows.lowerBound * rowBytes))
        return [UInt8](try handle.read(upToCount: rows.count * rowBytes) ?? Data())
    }
}
