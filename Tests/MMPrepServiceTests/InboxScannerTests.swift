#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepService
import Testing

/// Real files in a real folder; the scan is given explicit times instead of sleeping.
struct InboxScannerTests {
    static func inbox() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aFileIsReadyOnlyAfterStayingTheSameForTheSettleTime() throws {
        let dir = try Self.inbox()
        let scanner = InboxScanner(inbox: dir, settle: 2)
        try Data("abc".utf8).write(to: URL(fileURLWithPath: dir + "/a.jpg"))
        #expect(scanner.scan(now: 100).ready == [])
        #expect(scanner.scan(now: 101).ready == [])
        #expect(scanner.scan(now: 102).ready == ["a.jpg"])
    }

    @Test func aGrowingFileStartsItsSettleTimeOver() throws {
        let dir = try Self.inbox()
        let scanner = InboxScanner(inbox: dir, settle: 2)
        let path = dir + "/slow.mp4"
        try Data("part1".utf8).write(to: URL(fileURLWithPath: path))
        _ = scanner.scan(now: 0)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data("part2".utf8))
        try h.close()
        #expect(scanner.scan(now: 1.9).ready == [])
        #expect(scanner.scan(now: 3.0).ready == [])    // changed at 1.9: settles at 3.9
        #expect(scanner.scan(now: 3.9).ready == ["slow.mp4"])
    }

    @Test func replacedFileWithTheSameSizeIsNoticedByInode() throws {
        let dir = try Self.inbox()
        let scanner = InboxScanner(inbox: dir, settle: 1)
        try Data("aaaa".utf8).write(to: URL(fileURLWithPath: dir + "/x.png"))
        _ = scanner.scan(now: 0)
        try Data("bbbb".utf8).write(to: URL(fileURLWithPath: dir + "/.x.png.new"))
        #expect(rename(dir + "/.x.png.new", dir + "/x.png") == 0)
        #expect(scanner.scan(now: 0.5).ready == [])
        #expect(scanner.scan(now: 1.2).ready == [])
        #expect(scanner.scan(now: 1.5).ready == ["x.png"])
    }

    @Test func hiddenTemporaryAndSpecialFilesAreNeverReady() throws {
        let dir = try Self.inbox()
        let scanner = InboxScanner(inbox: dir, settle: 0)
        for name in [".hidden.jpg", "upload.jpg.part", "a.tmp", "b.crdownload", "c.jpg~"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        try FileManager.default.createDirectory(atPath: dir + "/.cache", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/.cache/d.jpg"))
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/sub/ok.jpg"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.jpg", withDestinationPath: dir + "/sub/ok.jpg")
        #expect(mkfifo(dir + "/pipe.mp4", 0o600) == 0)
        _ = scanner.scan(now: 0)
        let r = scanner.scan(now: 1)
        #expect(r.ready == ["sub/ok.jpg"])
        let refusedOnce = InboxScanner(inbox: dir, settle: 0)
        let a = refusedOnce.scan(now: 0).refused.map(\.path).sorted()
        #expect(a == ["link.jpg", "pipe.mp4"])
        #expect(refusedOnce.scan(now: 1).refused.isEmpty)   // reported once
    }
}
