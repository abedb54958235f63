/// What a packet scan tells about a video stream, counted the way torchcodec's exact mode
/// counts: one frame per packet, ordered by pts, fps = count / scanned duration.
public struct VideoInfo: Sendable, Equatable {
    public var container: String
    public var codec: String
    public var pixelFormat: String
    /// Coded size, before rotation.
    public var codedWidth: Int
    public var codedHeight: Int
    /// Clockwise rotation applied for display: 0, 90, 180 or 270.
    public var rotation: Int
    public var colorMatrix: String
    public var colorRange: String
    public var frameCount: Int
    /// `frameCount / duration`.
    public var fps: Double
    /// `max(pts + duration) - min(pts)`, in seconds.
    public var duration: Double
    /// The header's average frame rate (not used for sampling; reported for comparison).
    public var headerFPS: Double?
    /// Frame presentation times in the stream's time base, sorted; index i is frame i.
    public var framePTS: [Int64]
    /// Stream time base as a fraction.
    public var timeBaseNum: Int32
    public var timeBaseDen: Int32
    public var streamIndex: Int32
    /// Every packet of the stream in decode order (discarded ones included).
    public var packets: [VideoPacket]

    /// Size after rotation.
    public var width: Int { rotation % 180 == 0 ? codedWidth : codedHeight }
    public var height: Int { rotation % 180 == 0 ? codedHeight : codedWidth }
}
