/// What the fast decode path does with each packet, worked out from the probe's packet scan
/// and the frames wanted:
///
/// - a packet whose frame is wanted is decoded normally, and so is every packet of codecs whose
///   decoders do not honour `skip_frame` per packet (VP8, VP9, AV1);
/// - any other packet is decoded with `skip_frame = AVDISCARD_NONREF`, so the decoder drops it
///   when no other picture refers to it (H.264, HEVC, MPEG-4), or never sent at all for codecs
///   whose frames stand alone (MJPEG);
/// - before reading on, the reader may jump to a packet that restarts decoding (see
///   `PacketInspector`) when every wanted frame not yet sent lies at or after it, in decode
///   and in presentation order, and nothing in between carries parameter sets it lacks.
///
/// `nil` from `init` means the file does not allow it (packets without pts, duplicate
/// timestamps, an unsupported codec) and frames are decoded in full.
struct DecodeSchedule {
    enum Action: Equatable { case decode, skipIfNonReference, drop }

    let packets: [VideoPacket]
    /// Per frame index: wanted or not.
    private let wantedFrame: [Bool]
    private let unwantedAction: Action
    /// Decode indices of the wanted frames' packets, ascending.
    private let wantedPackets: [Int]
    /// `suffixMinFrame[j]` = the smallest frame index among `wantedPackets[j...]`.
    private let suffixMinFrame: [Int32]
    /// Decode indices of packets that restart decoding (empty when seeking is not possible).
    private let resetPoints: [Int]
    /// `parameterSetsBefore[q]` = how many packets before q carry parameter sets.
    private let parameterSetsBefore: [Int]
    /// Byte position -> decode index, for recognising packets after a seek.
    let decodeIndexAtPosition: [Int64: Int]

    init?(info: VideoInfo, wanted: [Int]) {
        let packets = info.packets
        guard !packets.isEmpty, !wanted.isEmpty else { return nil }
        switch info.codec {
        case "h264", "hevc", "mpeg4": unwantedAction = .skipIfNonReference
        case "mjpeg": unwantedAction = .drop
        case "vp8", "vp9", "av1": unwantedAction = .decode
        default: return nil
        }
        // Each frame must be recognisable by its own pts.
        guard packets.allSatisfy({ $0.frameIndex < 0 || $0.pts != .min }),
              zip(info.framePTS, info.framePTS.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        self.packets = packets
        var wantedFrame = [Bool](repeating: false, count: info.frameCount)
        for i in wanted { wantedFrame[i] = true }
        self.wantedFrame = wantedFrame
        wantedPackets = packets.indices.filter { packets[$0].frameIndex >= 0 && wantedFrame[Int(packets[$0].frameIndex)] }
        guard wantedPackets.count == Set(wanted).count else { return nil }
        var suffix = [Int32](repeating: .max, count: wantedPackets.count)
        var low = Int32.max
        for j in wantedPackets.indices.reversed() {
            low = min(low, packets[wantedPackets[j]].frameIndex)
            suffix[j] = low
        }
        suffixMinFrame = suffix
        var before = [Int](repeating: 0, count: packets.count + 1)
        for (q, p) in packets.enumerated() { before[q + 1] = before[q] + (p.carriesParameterSets ? 1 : 0) }
        parameterSetsBefore = before
        // Seeking needs every packet recognisable by its byte position.
        var positions: [Int64: Int] = [:]
        var seekable = true
        for (q, p) in packets.enumerated() {
            if p.pos < 0 || positions.updateValue(q, forKey: p.pos) != nil { seekable = false; break }
        }
        decodeIndexAtPosition = seekable ? positions : [:]
        // Frames that stand alone are cheaper to read past than to seek to.
        resetPoints = seekable && unwantedAction != .drop ? packets.indices.filter { packets[$0].resetsDecoder && packets[$0].frameIndex >= 0 } : []
    }

    func action(forPacket q: Int) -> Action {
        let f = packets[q].frameIndex
        return f >= 0 && wantedFrame[Int(f)] ? .decode : unwantedAction
    }

    /// Whether every wanted frame's packet comes before decode index `q`.
    func allWantedSent(before q: Int) -> Bool {
        wantedPackets.last! < q
    }

    /// The packet to seek to instead of reading packet `q` next, or nil to read on.
    /// Never before the first packet has been decoded (it carries the stream's headers).
    func seekTarget(next q: Int) -> Int? {
        guard q > 0, !resetPoints.isEmpty else { return nil }
        // The wanted packets not sent yet: wantedPackets[j...].
        var lo = 0, hi = wantedPackets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if wantedPackets[mid] < q { lo = mid + 1 } else { hi = mid }
        }
        guard lo < wantedPackets.count else { return nil }
        let firstPacket = wantedPackets[lo], firstFrame = suffixMinFrame[lo]
        // The last reset point at or before them in both orders.
        lo = 0; hi = resetPoints.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if resetPoints[mid] <= firstPacket { lo = mid + 1 } else { hi = mid }
        }
        var r = lo - 1
        while r >= 0 && packets[resetPoints[r]].frameIndex > firstFrame { r -= 1 }
        guard r >= 0 else { return nil }
        let k = resetPoints[r]
        guard k > q else { return nil }
        let skippedParameterSets = parameterSetsBefore[k] - parameterSetsBefore[q]
        guard skippedParameterSets == 0 || packets[k].carriesParameterSets else { return nil }
        return k
    }
}
