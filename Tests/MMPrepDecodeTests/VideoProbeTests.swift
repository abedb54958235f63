import Foundation
import MMPrepCore
import MMPrepDecode
import Testing

struct VideoProbeTests {
    static let clips = ["realshort.mp4", "mov.mov", "3gp.3gp", "flv1.flv", "ball-576p-h264.mp4", "tree-cinepak.avi"]

    /// The packet scan counts the frames the file really holds (what ffprobe counts by packets).
    @Test(arguments: clips)
    func frameCountEqualsThePacketCount(_ clip: String) throws {
        let path = TestFiles.fixture("videos/\(clip)")
        let info = try VideoProbe.scan(path: path)
        let counted = try TestFiles.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                                         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path])
        #expect(info.frameCount == Int(counted.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").first ?? ""))
        #expect(info.fps > 0 && info.duration > 0)
        #expect(abs(Double(info.frameCount) / info.duration - info.fps) < 1e-9)
        #expect(info.framePTS == info.framePTS.sorted())
    }

    @Test func everyFrameDecodesOnce() throws {
        let path = TestFiles.fixture("videos/realshort.mp4")
        let info = try VideoProbe.scan(path: path)
        var seen: [Int] = []
        try VideoFrameReader(path: path, info: info).decode(indices: Array(0..<info.frameCount).reversed()) { i, frame in
            seen.append(i)
            #expect(frame.width == info.width && frame.height == info.height)
        }
        #expect(seen == Array(0..<info.frameCount))
    }

    @Test func outOfRangeIndexIsAnError() throws {
        let path = TestFiles.fixture("videos/realshort.mp4")
        let info = try VideoProbe.scan(path: path)
        #expect(throws: DecodeError.self) {
            try VideoFrameReader(path: path, info: info).decode(indices: [info.frameCount]) { _, _ in }
        }
    }
}

struct AnimatedGIFTests {
    /// A GIF is its first frame as an image, or all its frames as a video.
    @Test func gifAsImageAndAsVideo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("anim.gif").path
        _ = try TestFiles.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1.2",
                               "-y", path])
        let image = try ImageDecoder().decode(path: path)
        #expect(image.format == .gif && image.image.width == 64 && image.image.height == 48)
        let info = try VideoProbe.scan(path: path)
        #expect(info.container == "gif" && info.frameCount == 12)
        var frames: [MMPrepCore.RGBImage] = []
        try VideoFrameReader(path: path, info: info).decode(indices: [0, 11]) { _, f in frames.append(f) }
        #expect(frames.count == 2 && frames[0] != frames[1])
    }
}
