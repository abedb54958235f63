import CFFmpeg
import Foundation
@testable import MMPrepDecode
import Testing

/// Limits checked on what a capped probe declares, before anything is decoded; names and file
/// kinds FFmpeg must never see; the time budget.
struct InputLimitsTests {
    static let video = TestFiles.fixture("videos/realshort.mp4")

    static func expectReason(_ reason: DecodeError.Reason, _ body: () throws -> Void,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("accepted; expected \(reason)", sourceLocation: sourceLocation)
        } catch let e as DecodeError {
            #expect(e.reason == reason, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func namesFFmpegWouldMisreadAreOpenedAsIs() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.video)))
        for name in ["%d-%s.mp4", "file:x.mp4", "-i.mp4", "a:b.mp4", "concat:x|y.mp4"] {
            let info = try VideoProbe.scan(path: try TestFiles.scratch(name, bytes))
            #expect(info.frameCount > 0, "\(name)")
        }
    }

    @Test func fileKindsAreRefusedWithoutBlocking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/folder.mp4", withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/pipe.mp4", 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.mp4", withDestinationPath: Self.video)
        for name in ["folder.mp4", "pipe.mp4", "link.mp4"] {
            Self.expectReason(.notRegular) { _ = try VideoProbe.scan(path: dir + "/" + name) }
            Self.expectReason(.notRegular) { _ = try ImageDecoder().decode(path: dir + "/" + name) }
        }
    }

    @Test func codecOutsideTheAllowListIsRefused() {
        var limits = VideoLimits()
        limits.codecs = ["vp9"]
        Self.expectReason(.unsupportedFormat) { _ = try VideoProbe.scan(path: Self.video, limits: limits) }
    }

    @Test func declaredLimitsAreChecked() {
        var frames = VideoLimits()
        frames.maxFrames = 3
        Self.expectReason(.limitExceeded) { _ = try VideoProbe.scan(path: Self.video, limits: frames) }
        var pixels = VideoLimits()
        pixels.maxPixels = 100
        Self.expectReason(.limitExceeded) { _ = try VideoProbe.scan(path: Self.video, limits: pixels) }
        var duration = VideoLimits()
        duration.maxDurationSeconds = 0.1
        Self.expectReason(.limitExceeded) { _ = try VideoProbe.scan(path: Self.video, limits: duration) }
        var size = VideoLimits()
        size.maxFileBytes = 1000
        Self.expectReason(.limitExceeded) { _ = try VideoProbe.scan(path: Self.video, limits: size) }
    }

    @Test func anExpiredBudgetIsATimeout() throws {
        var limits = VideoLimits()
        limits.timeBudgetSeconds = 0.001
        limits.startMicros = av_gettime_relative() - 1_000_000
        Self.expectReason(.timeout) { _ = try VideoProbe.scan(path: Self.video, limits: limits) }
        let info = try VideoProbe.scan(path: Self.video)
        Self.expectReason(.timeout) {
            try VideoFrameReader(path: Self.video, info: info, limits: limits).decode(indices: [info.frameCount - 1]) { _, _ in }
        }
    }

    /// The video fast path (skipping, seeking) and the full decode open their input under the
    /// same limits and stop at the time budget between frames, with no fallback to a full decode.
    @Test(arguments: [false, true]) func decodePassesKeepTheLimits(fullDecode: Bool) throws {
        let video = TestFiles.fixture("videos/ball-576p-h264.mp4")
        let info = try VideoProbe.scan(path: video)
        let wanted = [0, info.frameCount - 1]
        var codecs = VideoLimits()
        codecs.codecs = ["vp9"]
        Self.expectReason(.unsupportedFormat) {
            try VideoFrameReader(path: video, info: info, limits: codecs, fullDecode: fullDecode)
                .decode(indices: wanted) { _, _ in }
        }
        var pixels = VideoLimits()
        pixels.maxPixels = 100
        Self.expectReason(.limitExceeded) {
            try VideoFrameReader(path: video, info: info, limits: pixels, fullDecode: fullDecode)
                .decode(indices: wanted) { _, _ in }
        }
        var budget = VideoLimits()
        budget.timeBudgetSeconds = 3
        var delivered: [Int] = []
        Self.expectReason(.timeout) {
            try VideoFrameReader(path: video, info: info, limits: budget, fullDecode: fullDecode)
                .decode(indices: wanted) { index, _ in
                    delivered.append(index)
                    usleep(3_100_000)  // the budget runs out after the first frame
                }
        }
        #expect(delivered == [0])
    }

    @Test func playlistsAreRefusedByDetectedFormat() throws {
        let hls = try TestFiles.scratch("list.mp4", Array("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n".utf8))
        do {
            _ = try VideoProbe.scan(path: hls)
            Issue.record("accepted a playlist")
        } catch {
            #expect(error.reason == .unsupportedFormat && error.message.contains("hls"), "\(error)")
        }
    }

    @Test func absurdTimestampsDoNotOverflow() {
        #expect(Int64.max.addingSaturating(5) == .max)
        #expect(Int64.min.addingSaturating(-5) == .min)
        #expect(Int64(3).addingSaturating(4) == 7)
    }
}
