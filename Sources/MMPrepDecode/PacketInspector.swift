import CFFmpeg

/// Reads the first bytes of a video packet to tell whether decoding can restart there without
/// anything that came before (an H.264 IDR, an HEVC IDR/CRA/BLA, a VP8/VP9 key frame, an AV1
/// shown key frame, any frame of an intra-only codec) and whether it carries in-band parameter
/// sets (SPS/PPS/VPS, AV1 sequence headers).
///
/// Only codecs listed here get a fast decode path; everything else is decoded in full.
struct PacketInspector {
    enum Syntax: Equatable {
        /// H.264 or HEVC NAL units: length-prefixed (`nalLength` bytes) or Annex B (0).
        case h264(nalLength: Int)
        case hevc(nalLength: Int)
        case vp8
        case vp9
        /// AV1 OBUs with size fields (the MP4/Matroska/WebM sample format).
        case av1
        /// Every packet is a picture of its own (MJPEG).
        case intraOnly
        case unknown
    }

    struct Traits: Equatable {
        var resetsDecoder = false
        var carriesParameterSets = false
    }

    let syntax: Syntax

    init(codecID: AVCodecID, extradata: UnsafePointer<UInt8>?, extradataSize: Int) {
        let extra = extradata.map { UnsafeBufferPointer(start: $0, count: max(0, extradataSize)) }
            ?? UnsafeBufferPointer(start: nil, count: 0)
        switch codecID {
        case AV_CODEC_ID_H264:
            // avcC: version 1, lengthSizeMinusOne in the low bits of byte 4.
            syntax = extra.count >= 7 && extra[0] == 1 ? .h264(nalLength: Int(extra[4] & 3) + 1) : .h264(nalLength: 0)
        case AV_CODEC_ID_HEVC:
            // hvcC (as the decoder tells it from Annex B), lengthSizeMinusOne in the low bits of byte 21.
            syntax = extra.count >= 23 && (extra[0] != 0 || extra[1] != 0 || extra[2] > 1)
                ? .hevc(nalLength: Int(extra[21] & 3) + 1) : .hevc(nalLength: 0)
        case AV_CODEC_ID_VP8: syntax = .vp8
        case AV_CODEC_ID_VP9: syntax = .vp9
        case AV_CODEC_ID_AV1: syntax = .av1
        case AV_CODEC_ID_MJPEG: syntax = .intraOnly
        default: syntax = .unknown
        }
    }

    func traits(of data: UnsafeBufferPointer<UInt8>, keyFlag: Bool) -> Traits {
        guard data.count > 0 else { return Traits() }
        switch syntax {
        case .h264(let n):
            return Self.nalTraits(data, nalLength: n) { header in
                let type = header & 0x1F
                if type == 7 || type == 8 || type == 15 { return .parameterSet }
                if type == 5 { return .vcl(reset: true) }
                if type == 1 { return .vcl(reset: false) }
                return .other
            }
        case .hevc(let n):
            return Self.nalTraits(data, nalLength: n) { header in
                let type = (header >> 1) & 0x3F
                if type >= 32 && type <= 34 { return .parameterSet }
                if type <= 31 { return .vcl(reset: type >= 16 && type <= 21) }  // BLA, IDR, CRA
                return .other
            }
        case .vp8:
            // Frame tag, bit 0: 0 for a key frame.
            return Traits(resetsDecoder: keyFlag && data[0] & 1 == 0, carriesParameterSets: false)
        case .vp9:
            return Traits(resetsDecoder: keyFlag && Self.vp9KeyFrame(data), carriesParameterSets: false)
        case .av1:
            return Self.av1Traits(data)
        case .intraOnly:
            return Traits(resetsDecoder: true, carriesParameterSets: false)
        case .unknown:
            return Traits()
        }
    }

    // MARK: NAL units

    enum NALKind { case parameterSet, vcl(reset: Bool), other }

    /// Walks the NAL units up to the first slice (`classify` gets each unit's first header
    /// byte), whose type decides whether the picture resets the decoder. Parameter sets before
    /// it are noted.
    static func nalTraits(_ data: UnsafeBufferPointer<UInt8>, nalLength: Int,
                          classify: (UInt8) -> NALKind) -> Traits {
        var traits = Traits()
        /// Returns false once the first slice has been seen.
        func visit(_ start: Int, _ end: Int) -> Bool {
            guard end > start else { return true }
            switch classify(data[start]) {
            case .parameterSet: traits.carriesParameterSets = true
            case .vcl(let reset): traits.resetsDecoder = reset; return false
            case .other: break
            }
            return true
        }
        if nalLength > 0 {
            var i = 0
            while i + nalLength <= data.count {
                var size = 0
                for k in 0..<nalLength { size = size << 8 | Int(data[i + k]) }
                let start = i + nalLength
                let end = min(data.count, start + size)
                if !visit(start, end) { break }
                i = end
                if size == 0 { break }
            }
        } else {
            var previous = -1
            var i = 0
            // A NAL unit starts after each 00 00 01.
            while i + 2 < data.count {
                if data[i + 2] > 1 { i += 3; continue }
                if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                    if previous >= 0 && !visit(previous, i) { return traits }
                    previous = i + 3
                    i += 3
                } else {
                    i += 1
                }
            }
            if previous >= 0 { _ = visit(previous, data.count) }
        }
        return traits
    }

    // MARK: AV1

    /// A temporal unit restarts decoding when its first frame is a shown key frame (which
    /// refreshes every reference); a sequence header OBU counts as a parameter set.
    static func av1Traits(_ data: UnsafeBufferPointer<UInt8>) -> Traits {
        var traits = Traits()
        var reducedStillPicture = false
        var i = 0
        while i < data.count {
            let header = data[i]
            let type = (header >> 3) & 0x0F
            guard header & 0x80 == 0, header & 0x02 != 0 else { return traits }  // forbidden bit, has_size_field
            i += header & 0x04 != 0 ? 2 : 1
            var size = 0, shift = 0
            while i < data.count, shift < 56 {
                let b = data[i]
                size |= Int(b & 0x7F) << shift
                shift += 7
                i += 1
                if b & 0x80 == 0 { break }
            }
            guard size >= 0, i + size <= data.count else { return traits }
            let payload = UnsafeBufferPointer(rebasing: data[i..<(i + size)])
            if type == 1 {  // OBU_SEQUENCE_HEADER: seq_profile(3) still_picture(1) reduced_still_picture_header(1)
                traits.carriesParameterSets = true
                reducedStillPicture = payload.count > 0 && payload[0] & 0x08 != 0
            } else if type == 3 || type == 6 {  // OBU_FRAME_HEADER, OBU_FRAME
                if reducedStillPicture {
                    traits.resetsDecoder = true
                } else if payload.count > 0 {
                    // show_existing_frame(1) frame_type(2) show_frame(1); KEY_FRAME is 0.
                    let bits = payload[0]
                    traits.resetsDecoder = bits & 0x80 == 0 && (bits >> 5) & 0x03 == 0 && bits & 0x10 != 0
                }
                return traits
            }
            i += size
        }
        return traits
    }

    // MARK: VP9

    /// The first frame's uncompressed header: frame_marker, profile, [reserved], show_existing_frame,
    /// frame_type (0 = key frame).
    static func vp9KeyFrame(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        var bit = 0
        func read() -> Int? {
            guard bit / 8 < data.count else { return nil }
            let v = Int(data[bit / 8] >> (7 - UInt8(bit % 8))) & 1
            bit += 1
            return v
        }
        guard read() == 1, read() == 0 else { return false }  // frame_marker = 2
        guard let low = read(), let high = read() else { return false }
        if high << 1 | low == 3 { guard read() == 0 else { return false } }
        guard read() == 0 else { return false }  // show_existing_frame
        return read() == 0
    }
}
