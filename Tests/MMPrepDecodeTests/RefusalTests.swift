import Foundation
@testable import MMPrepDecode
import Testing

/// Hostile or non-media inputs end in a typed error naming the file, never a crash.
struct RefusalTests {
    static func expectRefused(_ path: String, reason: DecodeError.Reason? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        var errors: [DecodeError] = []
        do { _ = try ImageDecoder().decode(path: path) } catch { errors.append(error) }
        do { _ = try VideoProbe.scan(path: path) } catch { errors.append(error) }
        #expect(errors.count == 2, "\(path) was accepted", sourceLocation: sourceLocation)
        for e in errors {
            #expect(e.file == path, sourceLocation: sourceLocation)
            #expect(e.description.contains(path), sourceLocation: sourceLocation)
            #expect(!e.message.isEmpty, sourceLocation: sourceLocation)
        }
        if let reason {
            #expect(errors.contains { $0.reason == reason }, "\(errors)", sourceLocation: sourceLocation)
        }
    }

    @Test func zeroByteFile() throws {
        Self.expectRefused(try TestFiles.scratch("empty.mp4", []), reason: .corrupt)
    }

    @Test func textFileWithMediaNames() throws {
        let text = Array("just some text, not a video\n".utf8)
        Self.expectRefused(try TestFiles.scratch("notes.mp4", text))
        Self.expectRefused(try TestFiles.scratch("notes.jpg", text))
    }

    @Test func concatListDisguisedAsMP4() throws {
        let list = Array("ffconcat version 1.0\nfile '/etc/passwd'\n".utf8)
        let path = try TestFiles.scratch("concat.mp4", list)
        do {
            _ = try VideoProbe.scan(path: path)
            Issue.record("a concat list was opened")
        } catch {
            #expect(error.reason == .unsupportedFormat)
            // Refused when the detected format (concat) is not on the allow list, before opening.
            #expect(error.call == "av_probe_input_buffer2" && error.message.contains("concat"))
        }
    }

    @Test func playlistDisguisedAsMP4() throws {
        let list = Array("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n/etc/passwd\n#EXT-X-ENDLIST\n".utf8)
        let path = try TestFiles.scratch("playlist.mp4", list)
        do {
            _ = try VideoProbe.scan(path: path)
            Issue.record("a playlist was opened")
        } catch {
            #expect(error.reason == .unsupportedFormat)
        }
    }

    @Test func pngDeclaringAHugeCanvasIsRefusedBeforeAllocation() throws {
        let path = try TestFiles.scratch("bomb.png", TestFiles.pngDeclaring(width: 30000, height: 30000))
        do {
            _ = try ImageDecoder().decode(path: path)
            Issue.record("a 30000x30000 PNG was decoded")
        } catch {
            #expect(error.reason == .limitExceeded)
            #expect(error.message.contains("30000x30000"))
        }
    }

    @Test func truncatedPNGIsCorrupt() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFiles.fixture("images/color.png"))))
        let path = try TestFiles.scratch("cut.png", Array(bytes.prefix(bytes.count / 2)))
        #expect(throws: DecodeError.self) { try ImageDecoder().decode(path: path) }
    }

    @Test func directoriesAndMissingFilesAreRefused() throws {
        #expect(throws: DecodeError.self) { try ImageDecoder().decode(path: "/tmp") }
        #expect(throws: DecodeError.self) { try VideoProbe.scan(path: "/nonexistent/file.mp4") }
    }
}
