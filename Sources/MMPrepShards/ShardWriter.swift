#if canImport(Glibc)
import Glibc
#endif
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
///
/// Pixel bytes go to disk as samples arrive, so memory holds one sample at a time whatever the
/// shard size. A safetensors shard is written in place (`ShardFile`): the rows of the first pixel
/// tensor to arrive go straight to their final position, after room kept for the header; rows of
/// the other pixel tensor (a shard mixing images and videos) go to scratch files and are copied
/// after them at commit. A sample whose blocks a worker already spooled to files
/// (`ShardSample.spooled`) is moved from them. At commit the scratch and spool files are copied
/// from mappings and freed behind the copy, so the page cache holds the pixels once, not twice;
/// if a commit fails after that point the open shard is spoiled (`add` and `flush` throw) and
/// the caller must start a new writer. A webdataset shard is the tar being written.
public final class ShardWriter {
    public let directory: String
    public let settings: ShardSettings
    public private(set) var nextIndex: Int
    private var open: OpenShard?

    /// What is known of the open shard; its pixels are on disk.
    private final class OpenShard {
        let name: String
        var keys: [String] = []
        var rows = 0
        var tensorBytes = 0
        var imageRows = 0, videoRows = 0
        var imageColumns = 0, videoColumns = 0
        var imageGrids: [Int64] = [], videoGrids: [Int64] = []
        var secondPerGrid: [Float] = []
        var records = ""
        /// safetensors: the shard file, written in place, and which pixel tensor goes straight
        /// into it (the first to get rows); the other one's rows wait in scratch files.
        var file: ShardFile?
        var inPlace: PixelTensor?
        var images: ScratchTensor?
        var videos: ScratchTensor?
        var imageBytes = 0, videoBytes = 0
        /// webdataset: the tar being written.
        var tar: AtomicFileWriter?
        /// A commit began consuming the scratch files (see `commitSafetensors`) and failed: the
        /// pixels are gone, so the shard can neither be committed again nor grown.
        var spoiled = false

        init(name: String) { self.name = name }
    }

    enum PixelTensor { case images, videos }

    public init(directory: String, settings: ShardSettings, nextIndex: Int = 0) {
        self.directory = directory
        self.settings = settings
        self.nextIndex = nextIndex
    }

    /// Adds a sample; if it would push the open shard past a limit, that shard is committed
    /// first and returned.
    public func add(_ sample: ShardSample) throws -> CommittedShard? {
        try addSealing(sample)?.finish()
    }

    /// As `add`, but a shard that fills up is only sealed: its bytes are all written, and the
    /// fsync, the sha256 and the rename into place are left to `SealedShard.finish()`, which the
    /// caller may run on another thread while this writer goes on with the next shard.
    public func addSealing(_ sample: ShardSample) throws -> SealedShard? {
        try checkNotSpoiled()
        var sealed: SealedShard? = nil
        if let o = open, !o.keys.isEmpty, wouldOverflow(o, sample) {
            sealed = try seal()
        }
        let o = try open ?? start()
        open = o
        try append(sample, to: o)
        return sealed
    }

    private func wouldOverflow(_ o: OpenShard, _ s: ShardSample) -> Bool {
        if let m = settings.maxRows, o.rows + s.rows > m { return true }
        if let m = settings.maxSamples, o.keys.count + 1 > m { return true }
        if let m = settings.maxBytes, o.tensorBytes + s.tensorBytes > m { return true }
        return false
    }

    private func start() throws -> OpenShard {
        let o = OpenShard(name: String(format: "shard-%06d", nextIndex))
        if settings.format == .webdataset {
            o.tar = try AtomicFileWriter(path: directory + "/" + o.name + ".tar")
        } else {
            o.file = try ShardFile(path: directory + "/" + o.name + ".safetensors")
            o.images = ScratchTensor(base: directory + "/" + o.name + ".images")
            o.videos = ScratchTensor(base: directory + "/" + o.name + ".videos")
        }
        return o
    }

    private func append(_ s: ShardSample, to o: OpenShard) throws {
        if let tar = o.tar {
            var metadata = commonMetadata
            metadata["keys"] = JSONText.array([s.key])
            try tar.write(TarWriter.entry(name: s.key + ".json", contents: Array(s.record(imageRow0: 0, videoRow0: 0).utf8)))
            try tar.write(TarWriter.entry(name: s.key + ".safetensors",
                                          contents: SafetensorsFile.encode(try tensors(for: s), metadata: metadata)))
        } else {
            o.records += s.record(imageRow0: o.imageRows, videoRow0: o.videoRows) + "\n"
            for b in s.images { try store(b, .images, o) }
            for v in s.videos { try store(v.patches, .videos, o) }
        }
        for b in s.images {
            o.imageRows += b.rows
            o.imageColumns = b.columns
            o.imageGrids += b.grid.map(Int64.init)
        }
        for v in s.videos {
            o.videoRows += v.patches.rows
            o.videoColumns = v.patches.columns
            o.videoGrids += v.patches.grid.map(Int64.init)
            o.secondPerGrid.append(Float(v.secondPerGrid ?? 0))
        }
        o.keys.append(s.key)
        o.rows += s.rows
        o.tensorBytes += s.tensorBytes
    }

    private func store(_ block: PatchBlock, _ tensor: PixelTensor, _ o: OpenShard) throws(FileWriteError) {
        if o.inPlace == nil { o.inPlace = tensor }
        if o.inPlace == tensor {
            if let spool = block.spool {
                try o.file!.append(contentsOf: spool.path, discardingSource: true)
            } else {
                try o.file!.append(block.bytes)
            }
        } else {
            let scratch = tensor == .images ? o.images! : o.videos!
            if let spool = block.spool { scratch.adopt(spool) } else { try scratch.write(block.bytes) }
        }
        if tensor == .images { o.imageBytes += block.byteCount } else { o.videoBytes += block.byteCount }
    }

    /// Commits the open shard, if any.
    public func flush() throws -> CommittedShard? {
        try seal()?.finish()
    }

    /// Seals the open shard, if any (see `addSealing`); the writer then starts a new one.
    public func seal() throws -> SealedShard? {
        try checkNotSpoiled()
        guard let o = open, !o.keys.isEmpty else { return nil }
        let sealed = try settings.format == .safetensors ? sealSafetensors(o) : sealTar(o)
        nextIndex += 1
        open = nil
        return sealed
    }

    private func checkNotSpoiled() throws(FileWriteError) {
        if let o = open, o.spoiled {
            throw FileWriteError(file: directory + "/" + o.name + ".safetensors", call: "commit",
                                 message: "an earlier commit of this shard failed after consuming its pixels; "
                                     + "start a new ShardWriter and add the samples again")
        }
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

    static func bytes(_ values: [Int64]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        return out
    }

    static func bytes(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// The tensors of one sample (a webdataset member).
    func tensors(for s: ShardSample) throws(FileWriteError) -> [Tensor] {
        func bytes(_ blocks: [PatchBlock]) throws(FileWriteError) -> [UInt8] {
            var out: [UInt8] = []
            for b in blocks { out += try b.loadedBytes() }
            return out
        }
        var out: [Tensor] = []
        if let first = s.images.first {
            out.append(Tensor(name: "pixel_values", dtype: settings.dtype,
                              shape: [s.images.reduce(0) { $0 + $1.rows }, first.columns],
                              bytes: try bytes(s.images)))
            out.append(Tensor.int64("image_grid_thw", shape: [s.images.count, 3], s.images.flatMap { $0.grid.map(Int64.init) }))
        }
        if let first = s.videos.first {
            out.append(Tensor(name: "pixel_values_videos", dtype: settings.dtype,
                              shape: [s.videos.reduce(0) { $0 + $1.patches.rows }, first.patches.columns],
                              bytes: try bytes(s.videos.map(\.patches))))
            out.append(Tensor.int64("video_grid_thw", shape: [s.videos.count, 3], s.videos.flatMap { $0.patches.grid.map(Int64.init) }))
            if settings.secondPerGrid {
                out.append(Tensor(name: "second_per_grid_ts", dtype: "F32", shape: [s.videos.count],
                                  bytes: Self.bytes(s.videos.map { Float($0.secondPerGrid ?? 0) })))
            }
        }
        return out
    }

    private func sealSafetensors(_ o: OpenShard) throws -> SealedShard {
        let file = o.file!
        let images = o.imageGrids.count / 3, videos = o.videoGrids.count / 3
        // Data order: the in-place pixel tensor, the other pixel tensor, then the small tensors
        // by name. The header lists them by name with their offsets.
        let imageLayout = SafetensorsFile.Layout(name: "pixel_values", dtype: settings.dtype,
                                                 shape: [o.imageRows, o.imageColumns], byteCount: o.imageBytes)
        let videoLayout = SafetensorsFile.Layout(name: "pixel_values_videos", dtype: settings.dtype,
                                                 shape: [o.videoRows, o.videoColumns], byteCount: o.videoBytes)
        var pixels: [(SafetensorsFile.Layout, ScratchTensor)] = []
        if images > 0 { pixels.append((imageLayout, o.images!)) }
        if videos > 0 { pixels.append((videoLayout, o.videos!)) }
        if o.inPlace == .videos { pixels.reverse() }
        var small: [(SafetensorsFile.Layout, [UInt8])] = []
        if images > 0 {
            small.append((.init(name: "image_grid_thw", dtype: "I64", shape: [images, 3], byteCount: images * 24),
                          Self.bytes(o.imageGrids)))
        }
        if videos > 0 {
            if settings.secondPerGrid {
                small.append((.init(name: "second_per_grid_ts", dtype: "F32", shape: [videos], byteCount: videos * 4),
                              Self.bytes(o.secondPerGrid)))
            }
            small.append((.init(name: "video_grid_thw", dtype: "I64", shape: [videos, 3], byteCount: videos * 24),
                          Self.bytes(o.videoGrids)))
        }
        var placed: [(layout: SafetensorsFile.Layout, offset: Int)] = []
        var offset = 0
        for layout in pixels.map(\.0) + small.map(\.0) {
            placed.append((layout, offset))
            offset += layout.byteCount
        }
        var metadata = commonMetadata
        metadata["samples"] = String(o.keys.count)
        metadata["keys"] = JSONText.array(o.keys)
        let records = Array(o.records.utf8)
        // Records first: a shard's tensors under their final name always have their records.
        try AtomicFile.write(records, to: directory + "/" + o.name + ".jsonl")
        // Scratch and spool files are consumed as they are copied (their pages freed behind the
        // copy): from here a failure spoils the shard.
        o.spoiled = true
        for (_, scratch) in pixels.dropFirst() {
            for segment in scratch.segments { try file.append(contentsOf: segment.path, discardingSource: true) }
        }
        for (_, bytes) in small { try file.append(bytes) }
        precondition(file.dataCount == offset, "shard data is \(file.dataCount) bytes, the header says \(offset)")
        o.images?.remove()
        o.videos?.remove()
        let header = SafetensorsFile.header(placed: placed, metadata: metadata, size: ShardFile.headerRoom)
        let exactHeader = header == nil ? SafetensorsFile.header(placed: placed, metadata: metadata, size: nil) : nil
        let (name, samples, rows, keys) = (o.name, o.keys.count, o.rows, o.keys)
        let recordsSHA256 = SHA256.hex(records)
        return SealedShard {
            let sha: String, size: Int
            if let header {
                sha = try file.commit(header: header)
                size = file.size
            } else {
                // A header larger than the room kept (very many keys): an exact header, then the data copied.
                let exact = try AtomicFileWriter(path: file.path)
                try exact.write(exactHeader!)
                try exact.append(contentsOf: file.tmp, range: ShardFile.headerRoom..<file.size, discardingSource: true)
                sha = try exact.commit()
                size = exact.bytesWritten
                file.discard()
            }
            return CommittedShard(name: name + ".safetensors", samples: samples, rows: rows, bytes: size, sha256: sha,
                                  records: name + ".jsonl", recordsSHA256: recordsSHA256, keys: keys)
        }
    }

    private func sealTar(_ o: OpenShard) throws -> SealedShard {
        let tar = o.tar!
        try tar.write(TarWriter.trailer)
        let (name, samples, rows, keys) = (o.name, o.keys.count, o.rows, o.keys)
        return SealedShard {
            let sha = try tar.commit()
            return CommittedShard(name: name + ".tar", samples: samples, rows: rows, bytes: tar.bytesWritten,
                                  sha256: sha, records: nil, recordsSHA256: nil, keys: keys)
        }
    }
}
