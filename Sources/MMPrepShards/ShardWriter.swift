import Foundation

/// How shards are cut and what they say about themselves.
public struct ShardSettings: Sendable {
    public enum Format: String, Sendable, CaseIterable { case safetensors, webdataset }

    public var format: Format
    public var maxRows: Int?
    public var maxSamples: Int?
    public var maxBytes: Int?
    /// Safetensors dtype name of the patch tensors ("F32", "BF16", "F16", "U8").
    public var dtype: String
    public var mean: [Double]
    public var std: [Double]
    public var pipelineName: String
    /// Write `second_per_grid_ts` (Qwen2.5-VL).
    public var secondPerGrid: Bool

    public init(format: Format, maxRows: Int?, maxSamples: Int?, maxBytes: Int?, dtype: String, mean: [Double],
                std: [Double], pipelineName: String, secondPerGrid: Bool) {
        self.format = format
        self.maxRows = maxRows
        self.maxSamples = maxSamples
        self.maxBytes = maxBytes
        self.dtype = dtype
        self.mean = mean
        self.std = std
        self.pipelineName = pipelineName
        self.secondPerGrid = secondPerGrid
    }
}

/// A shard on disk under its final name.
public struct CommittedShard: Sendable, Equatable {
    public var name: String
    public var samples: Int
    public var rows: Int
    public var bytes: Int
    public var sha256: String
    /// The JSONL beside a safetensors shard.
    public var records: String?
    public var recordsSHA256: String?
    public var keys: [String]

    public init(name: String, samples: Int, rows: Int, bytes: Int, sha256: String, records: String?,
                recordsSHA256: String?, keys: [String]) {
        self.name = name
        self.samples = samples
        self.rows = rows
        self.bytes = bytes
        self.sha256 = sha256
        self.records = records
        self.recordsSHA256 = recordsSHA256
        self.keys = keys
    }

    public var json: String {
        var fields: [(String, String)] = [
            ("name", JSONText.string(name)), ("samples", String(samples)), ("rows", String(rows)),
            ("bytes", String(bytes)), ("sha256", JSONText.string(sha256)),
        ]
        if let records { fields.append(("records", JSONText.string(records))) }
        if let recordsSHA256 { fields.append(("records_sha256", JSONText.string(recordsSHA256))) }
        return JSONText.object(fields)
    }
}

/// Packs samples, in the order given, into shards that respect the limits; a sample is never split.
public final class ShardWriter {
    public let directory: String
    public let settings: ShardSettings
    public private(set) var nextIndex: Int
    private var pending: [ShardSample] = []
    private var pendingRows = 0
    private var pendingBytes = 0

    public init(directory: String, settings: ShardSettings, nextIndex: Int = 0) {
        self.directory = directory
        self.settings = settings
        self.nextIndex = nextIndex
    }

    public var pendingCount: Int { pending.count }

    /// Adds a sample; if it would push the open shard past a limit, that shard is committed
    /// first and returned.
    public func add(_ sample: ShardSample) throws -> CommittedShard? {
        var committed: CommittedShard? = nil
        if !pending.isEmpty && wouldOverflow(sample) {
            committed = try flush()
        }
        pending.append(sample)
        pendingRows += sample.rows
        pendingBytes += sample.tensorBytes
        return committed
    }

    /// Whether a sample would push the open shard past a limit.
    func wouldOverflow(_ s: ShardSample) -> Bool {
        if let m = settings.maxRows, pendingRows + s.rows > m { return true }
        if let m = settings.maxSamples, pending.count + 1 > m { return true }
        if let m = settings.maxBytes, pendingBytes + s.tensorBytes > m { return true }
        return false
    }

    /// Commits the open shard, if any.
    public func flush() throws -> CommittedShard? {
        guard !pending.isEmpty else { return nil }
        let name = String(format: "shard-%06d", nextIndex)
        let shard = try settings.format == .safetensors ? writeSafetensors(name) : writeTar(name)
        nextIndex += 1
        pending.removeAll()
        pendingRows = 0
        pendingBytes = 0
        return shard
    }

    var commonMetadata: [String: String] {
        [
            "format": "pt",
            "mmprep_shard_version": "1",
            "dtype": settings.dtype,
            "mean": JSONText.array(settings.mean),
            "std": JSONText.array(settings.std),
            "pipeline": settings.pipelineName,
        ]
    }

    /// The tensors of a list of samples, concatenated in order.
    func tensors(for samples: [ShardSample]) -> [Tensor] {
        var out: [Tensor] = []
        let images = samples.flatMap(\.images)
        if let first = images.first {
            var bytes = [UInt8]()
            bytes.reserveCapacity(images.reduce(0) { $0 + $1.bytes.count })
            for b in images { bytes += b.bytes }
            out.append(Tensor(name: "pixel_values", dtype: settings.dtype,
                              shape: [images.reduce(0) { $0 + $1.rows }, first.columns], bytes: bytes))
            out.append(Tensor.int64("image_grid_thw", shape: [images.count, 3], images.flatMap { $0.grid.map(Int64.init) }))
        }
        let videos = samples.flatMap(\.videos)
        if let first = videos.first {
            var bytes = [UInt8]()
            bytes.reserveCapacity(videos.reduce(0) { $0 + $1.patches.bytes.count })
            for v in videos { bytes += v.patches.bytes }
            out.append(Tensor(name: "pixel_values_videos", dtype: settings.dtype,
                              shape: [videos.reduce(0) { $0 + $1.patches.rows }, first.patches.columns], bytes: bytes))
            out.append(Tensor.int64("video_grid_thw", shape: [videos.count, 3], videos.flatMap { $0.patches.grid.map(Int64.init) }))
            if settings.secondPerGrid {
                var f = [UInt8]()
                for v in videos {
                    withUnsafeBytes(of: Float(v.secondPerGrid ?? 0).bitPattern.littleEndian) { f += $0 }
                }
                out.append(Tensor(name: "second_per_grid_ts", dtype: "F32", shape: [videos.count], bytes: f))
            }
        }
        return out
    }

    func writeSafetensors(_ name: String) throws -> CommittedShard {
        var metadata = commonMetadata
        metadata["samples"] = String(pending.count)
        metadata["keys"] = JSONText.array(pending.map(\.key))
        let file = SafetensorsFile.encode(tensors(for: pending), metadata: metadata)
        var lines = ""
        var imageRow = 0, videoRow = 0
        for s in pending {
            lines += s.record(imageRow0: imageRow, videoRow0: videoRow) + "\n"
            imageRow += s.images.reduce(0) { $0 + $1.rows }
            videoRow += s.videos.reduce(0) { $0 + $1.patches.rows }
        }
        let records = Array(lines.utf8)
        // Records first: a shard's tensors under their final name always have their records.
        try AtomicFile.write(records, to: directory + "/" + name + ".jsonl")
        try AtomicFile.write(file, to: directory + "/" + name + ".safetensors")
        return CommittedShard(name: name + ".safetensors", samples: pending.count, rows: pendingRows, bytes: file.count,
                              sha256: SHA256.hex(file), records: name + ".jsonl", recordsSHA256: SHA256.hex(records),
                              keys: pending.map(\.key))
    }

    func writeTar(_ name: String) throws -> CommittedShard {
        var tar = TarWriter()
        for s in pending {
            var metadata = commonMetadata
            metadata["keys"] = JSONText.array([s.key])
            let st = SafetensorsFile.encode(tensors(for: [s]), metadata: metadata)
            tar.add(name: s.key + ".json", contents: Array(s.record(imageRow0: 0, videoRow0: 0).utf8))
            tar.add(name: s.key + ".safetensors", contents: st)
        }
        let bytes = tar.finish()
        try AtomicFile.write(bytes, to: directory + "/" + name + ".tar")
        return CommittedShard(name: name + ".tar", samples: pending.count, rows: pendingRows, bytes: bytes.count,
                              sha256: SHA256.hex(bytes), records: nil, recordsSHA256: nil, keys: pending.map(\.key))
    }
}
