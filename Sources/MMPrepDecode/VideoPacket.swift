/// One packet of the video stream as the probe's scan read it, in decode (file) order.
/// The fast decode path uses these to know which packet carries which frame, where the
/// decoder can restart, and to recognise packets again after a seek.
public struct VideoPacket: Sendable, Equatable {
    /// The packet's pts, or `Int64.min` when it has none.
    public var pts: Int64
    /// The packet's dts, or `Int64.min` when it has none.
    public var dts: Int64
    /// Byte position in the file, or -1 when the demuxer does not report it.
    public var pos: Int64
    /// The frame (presentation index) the packet carries, or -1 for a packet flagged discard.
    public var frameIndex: Int32
    /// Decoding can start at this packet with nothing before it (IDR, CRA, key frame),
    /// judged from the packet's own bytes.
    public var resetsDecoder: Bool
    /// The packet carries in-band parameter sets (H.264/HEVC SPS/PPS/VPS).
    public var carriesParameterSets: Bool

    public init(pts: Int64, dts: Int64, pos: Int64, frameIndex: Int32, resetsDecoder: Bool, carriesParameterSets: Bool) {
        self.pts = pts
        self.dts = dts
        self.pos = pos
        self.frameIndex = frameIndex
        self.resetsDecoder = resetsDecoder
        self.carriesParameterSets = carriesParameterSets
    }
}
