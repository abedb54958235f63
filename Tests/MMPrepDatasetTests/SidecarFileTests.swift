import Foundation
import MMPrepDataset
import Testing

/// Sidecars: regular files only (a fifo must not block), size-capped, valid UTF-8; folder walks
/// refuse names that are not UTF-8 instead of losing them.
struct SidecarFileTests {
    static func dir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func reason(_ path: String, max: Int = 1 << 20) -> String? {
        do {
            _ = try SidecarFile.read(path, maxBytes: max)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func refusesWhatIsNotASmallUTF8RegularFile() throws {
        let d = try Self.dir()
        try Data("caf\u{e9}".utf8).write(to: URL(fileURLWithPath: d + "/ok.txt"))
        #expect(try SidecarFile.read(d + "/ok.txt", maxBytes: 100) == "caf\u{e9}")
        try Data([0x63, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: d + "/bad.txt"))
        #expect(Self.reason(d + "/bad.txt") == "not-utf8")
        try Data(repeating: 0x61, count: 101).write(to: URL(fileURLWithPath: d + "/big.txt"))
        #expect(Self.reason(d + "/big.txt", max: 100) == "too-large")
        try FileManager.default.createSymbolicLink(atPath: d + "/link.txt", withDestinationPath: d + "/ok.txt")
        #expect(Self.reason(d + "/link.txt") == "not-regular")
        #expect(mkfifo(d + "/fifo.txt", 0o600) == 0)
        #expect(Self.reason(d + "/fifo.txt") == "not-regular")
    }

    @Test func walkRefusesOddSidecarsAndNonUTF8Names() throws {
        let d = try Self.dir()
        try Data("x".utf8).write(to: URL(fileURLWithPath: d + "/a.png"))
        try FileManager.default.createSymbolicLink(atPath: d + "/a.txt", withDestinationPath: "/etc/passwd")
        let bad = Array(d.utf8) + Array("/b-".utf8) + [0xFF] + Array(".png".utf8) + [0]
        let fd = bad.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bad.count) { open($0, O_CREAT | O_WRONLY, 0o600) }
        }
        #expect(fd >= 0)
        close(fd)
        try FileManager.default.createDirectory(atPath: d + "/c.mp4", withIntermediateDirectories: true)
        let r = try InputWalker().walk([d])
        #expect(r.sources.isEmpty)
        let reasons = Dictionary(uniqueKeysWithValues: r.problems.map { ($0.key, $0.reason) })
        #expect(reasons == ["a": "not-regular", "b-_": "not-utf8", "c": "not-regular"])
    }
}
