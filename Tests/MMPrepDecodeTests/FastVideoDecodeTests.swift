import CFFmpeg
import Foundation
import MMPrepCore
@testable import MMPrepDecode
import Testing

/// The fast decode path: what it reads from packets, what it plans, and that its frames are the
/// full decode's frames.
struct PacketInspectorTests {
    static func inspect(_ codec: AVCodecID, _ bytes: [UInt8], extradata: [UInt8] = [], key: Bool = true)
        -> PacketInspector.Traits {
        extradata.withUnsafeBufferPointer { extra in
            let inspector = PacketInspector(codecID: codec, extradata: extra.isEmpty ? nil : extra.baseAddress,
                                            extradataSize: extra.count)
            return bytes.withUnsafeBufferPointer { inspector.traits(of: $0, keyFlag: key) }
        }
    }

    /// avcC with 4-byte NAL lengths.
    static let avcC: [UInt8] = [1, 0x64, 0, 0x1F, 0xFF, 0xE0, 0]

    static func lengthPrefixed(_ nals: [[UInt8]]) -> [UInt8] {
        nals.flatMap { n in [0, 0, 0, UInt8(n.count)] + n }
    }

    @Test func h264IDRWithParameterSets() {
        let sps: [UInt8] = [0x67, 1, 2], pps: [UInt8] = [0x68, 3], sei: [UInt8] = [0x06, 5, 5], idr: [UInt8] = [0x65, 0x88, 1]
        let t = Self.inspect(AV_CODEC_ID_H264, Self.lengthPrefixed([sps, pps, sei, idr]), extradata: Self.avcC)
        #expect(t == .init(resetsDecoder: true, carriesParameterSets: true))
    }

    @Test func h264NonIDRIntraIsNoRestart() {
        // An open-GOP I picture is coded as a non-IDR slice (type 1): never a seek target.
        let t = Self.inspect(AV_CODEC_ID_H264, Self.lengthPrefixed([[0x06, 6, 3, 0, 0, 0], [0x41, 0x9A, 2]]),
                             extradata: Self.avcC)
        #expect(t == .init(resetsDecoder: false, carriesParameterSets: false))
    }

    @Test func h264AnnexB() {
        let idr: [UInt8] = [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x67, 9, 9, 0, 0, 1, 0x68, 7, 0, 0, 1, 0x65, 0x88, 0x84]
        #expect(Self.inspect(AV_CODEC_ID_H264, idr) == .init(resetsDecoder: true, carriesParameterSets: true))
        let p: [UInt8] = [0, 0, 0, 1, 0x09, 0x30, 0, 0, 1, 0x41, 0x9A, 0x22]
        #expect(Self.inspect(AV_CODEC_ID_H264, p) == .init(resetsDecoder: false, carriesParameterSets: false))
    }

    @Test func hevcRandomAccessPictures() {
        let hvcC = [UInt8](repeating: 0, count: 21) + [0x03] + [UInt8](repeating: 0, count: 2)
        var hvcCv1 = hvcC
        hvcCv1[0] = 1
        func nal(_ type: UInt8) -> [UInt8] { [type << 1, 1, 0xAF] }
        // VPS + SPS + PPS + CRA
        let cra = Self.inspect(AV_CODEC_ID_HEVC, Self.lengthPrefixed([nal(32), nal(33), nal(34), nal(21)]), extradata: hvcCv1)
        #expect(cra == .init(resetsDecoder: true, carriesParameterSets: true))
        #expect(Self.inspect(AV_CODEC_ID_HEVC, Self.lengthPrefixed([nal(19)]), extradata: hvcCv1).resetsDecoder)
        #expect(!Self.inspect(AV_CODEC_ID_HEVC, Self.lengthPrefixed([nal(35), nal(1)]), extradata: hvcCv1).resetsDecoder)
        #expect(!Self.inspect(AV_CODEC_ID_HEVC, Self.lengthPrefixed([nal(8)]), extradata: hvcCv1).resetsDecoder)  // RASL
    }

    @Test func vp9AndVP8KeyFrames() {
        // frame_marker 10, profile 0, show_existing_frame 0, frame_type 0 (key) / 1 (inter)
        #expect(Self.inspect(AV_CODEC_ID_VP9, [0x82, 0x49, 0x83]).resetsDecoder)
        #expect(!Self.inspect(AV_CODEC_ID_VP9, [0x86, 0x00]).resetsDecoder)
        #expect(!Self.inspect(AV_CODEC_ID_VP9, [0x82, 0x49], key: false).resetsDecoder)
        // show_existing_frame
        #expect(!Self.inspect(AV_CODEC_ID_VP9, [0x88]).resetsDecoder)
        #expect(Self.inspect(AV_CODEC_ID_VP8, [0x50, 0x42, 0x00]).resetsDecoder)
        #expect(!Self.inspect(AV_CODEC_ID_VP8, [0x51, 0x42, 0x00]).resetsDecoder)
    }

    @Test func av1ShownKeyFrames() {
        // temporal delimiter, sequence header, then a frame OBU whose header starts
        // show_existing_frame frame_type show_frame
        let head: [UInt8] = [0x12, 0x00, 0x0A, 0x01, 0x00]
        #expect(Self.inspect(AV_CODEC_ID_AV1, head + [0x32, 0x02, 0x10, 0x00]) == .init(resetsDecoder: true, carriesParameterSets: true))
        #expect(!Self.inspect(AV_CODEC_ID_AV1, [0x12, 0x00, 0x32, 0x02, 0x30, 0x00]).resetsDecoder)  // inter frame
        #expect(!Self.inspect(AV_CODEC_ID_AV1, head + [0x32, 0x02, 0x00, 0x00]).resetsDecoder)  // hidden key frame
        #expect(!Self.inspect(AV_CODEC_ID_AV1, [0x12, 0x00, 0x1A, 0x01, 0x80]).resetsDecoder)  // show_existing_frame
    }

    @Test func otherCodecsNeverRestart() {
        #expect(Self.inspect(AV_CODEC_ID_MPEG4, [0, 0, 1, 0xB6, 0x10]) == .init())
        #expect(Self.inspect(AV_CODEC_ID_MJPEG, [0xFF, 0xD8]).resetsDecoder)
    }
}

struct DecodeScheduleTests {
    /// Decode order of an IBBP GOP pattern: I0 P3 B1 B2 P6 B4 B5 | I7' ... as (frame, reset).
    static func info(codec: String = "h264", _ frames: [(Int32, Bool)], parameterSets: Set<Int> = []) -> VideoInfo {
        let packets = frames.enumerated().map { q, f in
            VideoPacket(pts: Int64(f.0) * 10, dts: Int64(q) * 10 - 20, pos: Int64(1000 + q * 100), frameIndex: f.0,
                        resetsDecoder: f.1, carriesParameterSets: parameterSets.contains(q))
        }
        return VideoInfo(container: "mp4", codec: codec, pixelFormat: "yuv420p", codedWidth: 16, codedHeight: 16,
                         rotation: 0, colorMatrix: "unknown", colorRange: "unknown", frameCount: frames.count,
                         fps: 10, duration: Double(frames.count) / 10, headerFPS: 10,
                         framePTS: (0..<Int64(frames.count)).map { $0 * 10 }, timeBaseNum: 1, timeBaseDen: 100,
                         streamIndex: 0, packets: packets)
    }

    /// Two closed GOPs of 7 frames.
    static let closed: [(Int32, Bool)] = [(0, true), (3, false), (1, false), (2, false), (6, false), (4, false), (5, false),
                                          (7, true), (10, false), (8, false), (9, false), (13, false), (11, false), (12, false)]

    @Test func wantedPacketsDecodeOthersMaySkip() throws {
        let s = try #require(DecodeSchedule(info: Self.info(Self.closed), wanted: [2, 9]))
        #expect(s.action(forPacket: 3) == .decode)  // frame 2
        #expect(s.action(forPacket: 10) == .decode)  // frame 9
        #expect(s.action(forPacket: 1) == .skipIfNonReference)
        #expect(s.action(forPacket: 0) == .skipIfNonReference)
    }

    @Test func seeksToTheResetPointBeforeTheNextWantedFrame() throws {
        let s = try #require(DecodeSchedule(info: Self.info(Self.closed), wanted: [2, 9]))
        #expect(s.seekTarget(next: 0) == nil)  // the first packet is always decoded
        #expect(s.seekTarget(next: 1) == nil)  // frame 2 is in this GOP
        #expect(s.seekTarget(next: 4) == 7)  // frame 9 is in the next GOP
        #expect(s.seekTarget(next: 7) == nil)
        #expect(s.seekTarget(next: 8) == nil)
        #expect(!s.allWantedSent(before: 10) && s.allWantedSent(before: 11))
    }

    @Test func neverSeeksPastALeadingPicture() throws {
        // Open GOP: after the restart point at packet 4 (frame 4) come frames 2 and 3, which
        // need the previous GOP. A seek there is only allowed for frames from 4 on.
        let open: [(Int32, Bool)] = [(0, true), (1, false), (4, true), (2, false), (3, false), (5, false), (6, false)]
        let leading = try #require(DecodeSchedule(info: Self.info(codec: "hevc", open), wanted: [0, 3]))
        #expect(leading.seekTarget(next: 1) == nil)
        let trailing = try #require(DecodeSchedule(info: Self.info(codec: "hevc", open), wanted: [0, 5]))
        #expect(trailing.seekTarget(next: 1) == 2)
    }

    @Test func keepsSkippedParameterSets() throws {
        // Packet 4 carries parameter sets that the restart point at 7 does not repeat.
        let s = try #require(DecodeSchedule(info: Self.info(Self.closed, parameterSets: [4]), wanted: [0, 9]))
        #expect(s.seekTarget(next: 1) == nil)
        #expect(s.seekTarget(next: 5) == 7)
        let repeated = try #require(DecodeSchedule(info: Self.info(Self.closed, parameterSets: [4, 7]), wanted: [0, 9]))
        #expect(repeated.seekTarget(next: 1) == 7)
    }

    @Test func noFastPathWithoutUsableTimestamps() {
        var info = Self.info(Self.closed)
        info.packets[3].pts = .min
        #expect(DecodeSchedule(info: info, wanted: [1]) == nil)
        #expect(DecodeSchedule(info: Self.info(codec: "theora", Self.closed), wanted: [1]) == nil)
    }

    @Test func standaloneFramesAreDroppedNotSought() throws {
        let all = (0..<10).map { (Int32($0), true) }
        let s = try #require(DecodeSchedule(info: Self.info(codec: "mjpeg", all), wanted: [1, 8]))
        #expect(s.action(forPacket: 2) == .drop && s.action(forPacket: 8) == .decode)
        #expect(s.seekTarget(next: 2) == nil)
    }
}

struct FastVideoDecodeTests {
    /// A clip with B-pyramids and 3 GOPs, made once per test process.
    static let clip: String? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mmprep-fast-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("gops.mp4").path
        _ = try? TestFiles.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc2=size=96x64:rate=25,noise=alls=20:allf=t", "-t", "3",
                                "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-bf", "3",
                                "-x264-params", "b-adapt=0:b-pyramid=normal", "-pix_fmt", "yuv420p", path])
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static func frames(_ path: String, _ info: VideoInfo, _ indices: [Int], full: Bool) throws -> [Int: RGBImage] {
        var out: [Int: RGBImage] = [:]
        try VideoFrameReader(path: path, info: info, threads: 1, fullDecode: full).decode(indices: indices) { out[$0] = $1 }
        return out
    }

    @Test(arguments: [[0], [74], [0, 74], [24, 25, 26], [3, 30, 60], [12, 37, 62], Array(stride(from: 1, to: 75, by: 6))])
    func sameFramesAsTheFullDecode(_ indices: [Int]) throws {
        let path = try #require(Self.clip, "ffmpeg could not make the test clip")
        let info = try VideoProbe.scan(path: path)
        #expect(info.frameCount == 75)
        #expect(DecodeSchedule(info: info, wanted: indices) != nil)
        let fast = try Self.frames(path, info, indices, full: false)
        let full = try Self.frames(path, info, indices, full: true)
        #expect(fast.keys.sorted() == indices)
        #expect(fast == full)
    }

    @Test func probeFindsTheGOPs() throws {
        let path = try #require(Self.clip, "ffmpeg could not make the test clip")
        let info = try VideoProbe.scan(path: path)
        let resets = info.packets.filter(\.resetsDecoder).map(\.frameIndex)
        #expect(resets == [0, 25, 50])
        #expect(info.packets.filter { $0.frameIndex >= 0 }.map(\.frameIndex).sorted() == (0..<75).map(Int32.init))
    }
}
