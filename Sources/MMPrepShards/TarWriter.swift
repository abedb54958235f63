/// Deterministic POSIX tar (ustar, with pax headers for long names): mode 0644, owner 0,
/// mtime 0, so equal contents give equal archives. Readable by Python's tarfile and webdataset.
public struct TarWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// The bytes of one member (its headers, contents and padding).
    public static func entry(name: String, contents: [UInt8]) -> [UInt8] {
        var w = TarWriter()
        w.add(name: name, contents: contents)
        return w.bytes
    }

    /// The two zero blocks that end an archive.
    public static let trailer = [UInt8](repeating: 0, count: 1024)

    public mutating func add(name: String, contents: [UInt8]) {
        let nameBytes = Array(name.utf8)
        if nameBytes.count > 100 {
            // A pax extended header carries the full path.
            let record = Self.paxRecord(key: "path", value: name)
            appendHeader(name: Array("PaxHeaders/\(nameBytes.count)".utf8.prefix(100)), size: record.count, type: UInt8(ascii: "x"))
            appendData(record)
        }
        appendHeader(name: Array(nameBytes.prefix(100)), size: contents.count, type: UInt8(ascii: "0"))
        appendData(contents)
    }

    /// Ends the archive with two zero blocks.
    public mutating func finish() -> [UInt8] {
        bytes += Self.trailer
        return bytes
    }

    static func paxRecord(key: String, value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return Array((String(length) + body).utf8)
    }

    private mutating func appendData(_ data: [UInt8]) {
        bytes += data
        let pad = (512 - data.count % 512) % 512
        bytes += [UInt8](repeating: 0, count: pad)
    }

    private mutating func appendHeader(name: [UInt8], size: Int, type: UInt8) {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { for (i, b) in field.enumerated() { h[offset + i] = b } }
        func octal(_ v: Int, width: Int) -> [UInt8] {
            let s = String(v, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - s.count)) + s).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        h[156] = type
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: max(0, 6 - String(sum, radix: 8).count)) + String(sum, radix: 8)).utf8) + [0, 0x20], at: 148)
        bytes += h
    }
}
