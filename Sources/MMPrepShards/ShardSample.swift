/// Patch rows of one image or video, in the output dtype.
public struct PatchBlock: Sendable {
    /// The tensor bytes; empty once `spool` holds them.
    public var bytes: [UInt8]
    /// The tensor bytes written to a file of their own (see `ShardSample.spooled`).
    public private(set) var spool: SpoolFile?
    public var rows: Int
    public var columns: Int
    /// [t, h, w] in patches.
    public var grid: [Int]

    public init(bytes: [UInt8], rows: Int, columns: Int, grid: [Int]) {
        self.bytes = bytes
        self.rows = rows
        self.columns = columns
        self.grid = grid
    }

    /// Size of the tensor bytes, in memory or spooled.
    public var byteCount: Int { spool?.count ?? bytes.count }

    /// The tensor bytes, read back from the spool file when they were spooled.
    public func loadedBytes() throws(FileWriteError) -> [UInt8] {
        guard let spool else { return bytes }
        return try spool.read()
    }

    mutating func moveToSpool(directory: String, name: String) throws(FileWriteError) {
        guard spool == nil, !bytes.isEmpty else { return }
        spool = try SpoolFile(bytes, directory: directory, name: name)
        bytes = []
    }
}

/// A video's patches and how its frames were chosen.
public struct VideoBlock: Sendable {
    public var patches: PatchBlock
    public var frameIndices: [Int]
    public var timestamps: [Double]
    public var secondPerGrid: Double?

    public init(patches: PatchBlock, frameIndices: [Int], timestamps: [Double], secondPerGrid: Double?) {
        self.patches = patches
        self.frameIndices = frameIndices
        self.timestamps = timestamps
        self.secondPerGrid = secondPerGrid
    }
}

/// One finished sample, ready to go into a shard.
public struct ShardSample: Sendable {
    public var key: String
    public var images: [PatchBlock]
    public var videos: [VideoBlock]
    /// Already-rendered JSON: the `sources` list and the `messages`.
    public var sourcesJSON: String
    public var messagesJSON: String
    public var text: String
    public var warnings: [String]

    public init(key: String, images: [PatchBlock], videos: [VideoBlock], sourcesJSON: String, messagesJSON: String,
                text: String, warnings: [String]) {
        self.key = key
        self.images = images
        self.videos = videos
        self.sourcesJSON = sourcesJSON
        self.messagesJSON = messagesJSON
        self.text = text
        self.warnings = warnings
    }

    public var rows: Int { images.reduce(0) { $0 + $1.rows } + videos.reduce(0) { $0 + $1.patches.rows } }
    public var tensorBytes: Int { images.reduce(0) { $0 + $1.byteCount } + videos.reduce(0) { $0 + $1.patches.byteCount } }

    /// This sample with its tensor bytes written to files of their own in `directory`
    /// (`NAME-iN` / `NAME-vN`), so that they leave memory on the thread that made them and the
    /// shard writer only moves them. If a write fails the error is thrown and the files already
    /// written go away with the copy.
    public func spooled(directory: String, name: String) throws(FileWriteError) -> ShardSample {
        var s = self
        for i in s.images.indices { try s.images[i].moveToSpool(directory: directory, name: name + "-i\(i)") }
        for i in s.videos.indices { try s.videos[i].patches.moveToSpool(directory: directory, name: name + "-v\(i)") }
        return s
    }

    /// The JSONL record, with row ranges starting at `imageRow0` / `videoRow0`.
    public func record(imageRow0: Int, videoRow0: Int) -> String {
        var r = imageRow0
        let images = self.images.map { b -> String in
            defer { r += b.rows }
            return JSONText.object([("rows", JSONText.array([r, r + b.rows])), ("grid_thw", JSONText.array(b.grid))])
        }
        var v = videoRow0
        let videos = self.videos.map { b -> String in
            defer { v += b.patches.rows }
            return JSONText.object([
                ("rows", JSONText.array([v, v + b.patches.rows])),
                ("grid_thw", JSONText.array(b.patches.grid)),
                ("frame_indices", JSONText.array(b.frameIndices)),
                ("timestamps", JSONText.array(b.timestamps)),
                ("second_per_grid_ts", b.secondPerGrid.map(JSONText.number) ?? "null"),
            ])
        }
        return JSONText.object([
            ("key", JSONText.string(key)),
            ("sources", sourcesJSON),
            ("text", JSONText.string(text)),
            ("messages", messagesJSON),
            ("images", "[" + images.joined(separator: ",") + "]"),
            ("videos", "[" + videos.joined(separator: ",") + "]"),
            ("warnings", JSONText.array(warnings)),
        ])
    }
}
