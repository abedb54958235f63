import Foundation

/// One tensor: a name, a safetensors dtype ("F32", "BF16", "F16", "U8", "I64"), a shape and
/// its little-endian bytes.
public struct Tensor: Sendable, Equatable {
    public var name: String
    public var dtype: String
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An Int64 tensor from values.
    public static func int64(_ name: String, shape: [Int], _ values: [Int64]) -> Tensor {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        return Tensor(name: name, dtype: "I64", shape: shape, bytes: bytes)
    }

    /// A Float64 tensor from values.
    public static func float64(_ name: String, shape: [Int], _ values: [Double]) -> Tensor {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return Tensor(name: name, dtype: "F64", shape: shape, bytes: bytes)
    }
}

public struct SafetensorsError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header (names,
/// dtypes, shapes, byte ranges and string metadata), then the tensor bytes. Tensors and keys
/// are written in sorted order so that equal inputs give equal files.
public enum SafetensorsFile {
    /// A tensor's name, dtype, shape and byte count, for writing a header before the bytes.
    public struct Layout: Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var byteCount: Int

        public init(name: String, dtype: String, shape: [Int], byteCount: Int) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.byteCount = byteCount
        }
    }

    /// The 8-byte length and the JSON header (padded to 8 bytes) for tensors whose bytes
    /// follow in the order given, which must be sorted by name.
    public static func header(_ layouts: [Layout], metadata: [String: String] = [:]) -> [UInt8] {
        precondition(layouts.map(\.name) == layouts.map(\.name).sorted(), "tensors must be in name order")
        var offset = 0
        var placed: [(layout: Layout, offset: Int)] = []
        for t in layouts {
            placed.append((t, offset))
            offset += t.byteCount
        }
        var json = headerJSON(placed, metadata: metadata)
        while json.count % 8 != 0 { json.append(0x20) }
        return lengthPrefixed(json)
    }

    /// The header for tensors whose bytes lie at the given offsets of the data, in any order
    /// (the JSON lists them by name), padded with spaces (which the format allows after the JSON)
    /// so that the whole header, length included, is exactly `size` bytes: the data then starts at
    /// `size`. Nil when the header does not fit in `size`; without a size, padded to 8 bytes.
    public static func header(placed: [(layout: Layout, offset: Int)], metadata: [String: String],
                              size: Int?) -> [UInt8]? {
        var json = headerJSON(placed.sorted { $0.layout.name < $1.layout.name }, metadata: metadata)
        let target = size ?? (8 + (json.count + 7) / 8 * 8)
        guard 8 + json.count <= target else { return nil }
        json += [UInt8](repeating: 0x20, count: target - 8 - json.count)
        return lengthPrefixed(json)
    }

    private static func headerJSON(_ placed: [(layout: Layout, offset: Int)], metadata: [String: String]) -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        for (t, offset) in placed {
            let end = offset + t.byteCount
            entries.append("\(jsonString(t.name)):{\"dtype\":\"\(t.dtype)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
        }
        return Array(("{" + entries.joined(separator: ",") + "}").utf8)
    }

    private static func lengthPrefixed(_ json: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        return out + json
    }

    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        let sorted = tensors.sorted { $0.name < $1.name }
        var out = header(sorted.map { Layout(name: $0.name, dtype: $0.dtype, shape: $0.shape, byteCount: $0.bytes.count) },
                         metadata: metadata)
        out.reserveCapacity(out.count + sorted.reduce(0) { $0 + $1.bytes.count })
        for t in sorted { out += t.bytes }
        return out
    }

    /// Writes atomically: a temporary file beside the target, fsync, rename, fsync of the folder.
    public static func write(_ tensors: [Tensor], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
    }

    /// Reads a file back (names, dtypes, shapes, bytes and metadata).
    public static func read(_ path: String) throws -> (tensors: [Tensor], metadata: [String: String]) {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count >= 8 else { throw SafetensorsError(file: path, message: "shorter than a header") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(data[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(data.count - 8) else { throw SafetensorsError(file: path, message: "header length past the end") }
        let headerBytes = data[8..<(8 + Int(n))]
        guard let json = try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw SafetensorsError(file: path, message: "header is not a JSON object")
        }
        let base = 8 + Int(n)
        var tensors: [Tensor] = []
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] <= offsets[1], base + offsets[1] <= data.count else {
                throw SafetensorsError(file: path, message: "bad entry for tensor \(name)")
            }
            tensors.append(Tensor(name: name, dtype: dtype, shape: shape,
                                  bytes: Array(data[(base + offsets[0])..<(base + offsets[1])])))
        }
        return (tensors.sorted { $0.name < $1.name }, metadata)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
