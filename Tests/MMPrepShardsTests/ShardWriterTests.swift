import Foundation
@testable import MMPrepShards
import Testing

struct ShardWriterTests {
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// The copy of a scratch file goes through mapped windows: sizes around the window edges,
    /// with and without consuming the source, give the bytes and the sha256 of the whole file.
    @Test(arguments: [0, 1, AtomicFileWriter.window - 1, AtomicFileWriter.window, 2 * AtomicFileWriter.window + 4099])
    func appendCopiesAndHashesEveryByte(size: Int) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = Self.noise(size, seed: UInt64(size) + 1)
        let prefix: [UInt8] = Array("header".utf8), suffix: [UInt8] = [1, 2, 3]
        for discarding in [false, true] {
            let source = dir + "/src-\(discarding)"
            #expect(FileManager.default.createFile(atPath: source, contents: Data(data)))
            let target = dir + "/out-\(discarding)"
            let file = try AtomicFileWriter(path: target)
            try file.write(prefix)
            try file.append(contentsOf: source, discardingSource: discarding)
            try file.write(suffix[...])
            let sha = try file.commit()
            let expected = prefix + data + suffix
            #expect(file.bytesWritten == expected.count)
            #expect(sha == SHA256.hex(expected))
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: target))) == expected)
            if !discarding {
                #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: source))) == data)
            }
        }
    }

    @Test func appendOfAMissingFileFails() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try AtomicFileWriter(path: dir + "/out")
        #expect(throws: FileWriteError.self) { try file.append(contentsOf: dir + "/missing") }
    }

    /// A committed shard is byte for byte the in-memory encoding of its tensors (images and
    /// videos, both taken from scratch files), its sha256 is that of the whole file, and no
    /// scratch or temporary file is left.
    @Test func committedShardEqualsTheInMemoryEncoding() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let settings = ShardSettings(format: .safetensors, maxRows: nil, maxSamples: 3, maxBytes: nil, dtype: "F32",
                                     mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], pipelineName: "test",
                                     secondPerGrid: true)
        let writer = ShardWriter(directory: dir, settings: settings)
        let columns = 8
        func block(_ rows: Int, seed: UInt64) -> PatchBlock {
            PatchBlock(bytes: Self.noise(rows * columns * 4, seed: seed), rows: rows, columns: columns, grid: [1, 2, rows / 2])
        }
        let rows = [(AtomicFileWriter.window / (columns * 4)) + 6, 4, 10]
        var samples: [ShardSample] = []
        for (i, r) in rows.enumerated() {
            let video = VideoBlock(patches: block(2 * r, seed: UInt64(100 + i)), frameIndices: [0, 1], timestamps: [0, 0.5],
                                   secondPerGrid: 1)
            samples.append(ShardSample(key: "k\(i)", images: [block(r, seed: UInt64(i))], videos: i == 1 ? [video] : [],
                                       sourcesJSON: "[]", messagesJSON: "[]", text: "t\(i)", warnings: []))
        }
        for s in samples { #expect(try writer.add(s) == nil) }
        let shard = try #require(try writer.flush())
        #expect(try writer.flush() == nil)

        let path = dir + "/" + shard.name
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(shard.bytes == bytes.count)
        #expect(shard.sha256 == SHA256.hex(bytes))
        let (tensors, metadata) = try SafetensorsFile.read(path)
        #expect(metadata["keys"] == "[\"k0\",\"k1\",\"k2\"]")
        let expected = [
            Tensor.int64("image_grid_thw", shape: [3, 3], samples.flatMap { $0.images[0].grid.map(Int64.init) }),
            Tensor(name: "pixel_values", dtype: "F32", shape: [rows.reduce(0, +), columns],
                   bytes: samples.flatMap { $0.images[0].bytes }),
            Tensor(name: "pixel_values_videos", dtype: "F32", shape: [2 * rows[1], columns],
                   bytes: samples[1].videos[0].patches.bytes),
            Tensor(name: "second_per_grid_ts", dtype: "F32", shape: [1], bytes: ShardWriter.bytes([Float(1)])),
            Tensor.int64("video_grid_thw", shape: [1, 3], samples[1].videos[0].patches.grid.map(Int64.init)),
        ]
        #expect(tensors == expected)
        // Written in place: the header fills the room kept for it (JSON, then spaces), the data
        // starts there, the pixel rows first (images, which arrived first), then the small tensors.
        let header = try SafetensorsHeader.read(path)
        #expect(header.dataOffset == ShardFile.headerRoom)
        let json = bytes[8..<ShardFile.headerRoom]
        let jsonEnd = json.lastIndex(of: UInt8(ascii: "}"))!
        #expect(json[(jsonEnd + 1)...].allSatisfy { $0 == 0x20 })
        #expect(header.entries.sorted { $0.begin < $1.begin }.map(\.name)
                == ["pixel_values", "pixel_values_videos", "image_grid_thw", "second_per_grid_ts", "video_grid_thw"])
        #expect(bytes.count == ShardFile.headerRoom + expected.reduce(0) { $0 + $1.bytes.count })
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [shard.name, "shard-000000.jsonl"].sorted())
    }

    /// A shard whose first rows are a video writes the videos in place and the images after
    /// them; a header too large for the room kept (long keys) gets an exact header with the
    /// data copied after it. Both read back as the tensors that went in.
    @Test(arguments: [false, true])
    func videoFirstShardsAndOversizedHeadersReadBack(longKeys: Bool) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let settings = ShardSettings(format: .safetensors, maxRows: nil, maxSamples: nil, maxBytes: nil, dtype: "U8",
                                     mean: [0.5], std: [0.25], pipelineName: "test", secondPerGrid: false)
        let writer = ShardWriter(directory: dir, settings: settings)
        var videoBytes: [UInt8] = [], imageBytes: [UInt8] = []
        for i in 0..<400 {
            let key = longKeys ? "k\(i)-" + String(repeating: "x", count: 250) : "k\(i)"
            let b = PatchBlock(bytes: Self.noise(6, seed: UInt64(i)), rows: 2, columns: 3, grid: [1, 1, 2])
            let sample = i % 3 == 0
                ? ShardSample(key: key, images: [], videos: [VideoBlock(patches: b, frameIndices: [0], timestamps: [0],
                                                                        secondPerGrid: nil)],
                              sourcesJSON: "[]", messagesJSON: "[]", text: "", warnings: [])
                : ShardSample(key: key, images: [b], videos: [], sourcesJSON: "[]", messagesJSON: "[]", text: "", warnings: [])
            if i % 3 == 0 { videoBytes += b.bytes } else { imageBytes += b.bytes }
            #expect(try writer.add(sample) == nil)
        }
        let shard = try #require(try writer.flush())
        let path = dir + "/" + shard.name
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(shard.bytes == bytes.count && shard.sha256 == SHA256.hex(bytes))
        let header = try SafetensorsHeader.read(path)
        if longKeys {
            #expect(header.dataOffset > ShardFile.headerRoom && header.dataOffset % 8 == 0)
        } else {
            #expect(header.dataOffset == ShardFile.headerRoom)
        }
        #expect(header.entries.sorted { $0.begin < $1.begin }.map(\.name)
                == ["pixel_values_videos", "pixel_values", "image_grid_thw", "video_grid_thw"])
        let (tensors, _) = try SafetensorsFile.read(path)
        #expect(tensors.first { $0.name == "pixel_values_videos" }?.bytes == videoBytes)
        #expect(tensors.first { $0.name == "pixel_values" }?.bytes == imageBytes)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [shard.name, "shard-000000.jsonl"].sorted(), "left: \(left)")
    }

    static func samples(columns: Int) -> [ShardSample] {
        func block(_ rows: Int, seed: UInt64) -> PatchBlock {
            PatchBlock(bytes: Self.noise(rows * columns * 4, seed: seed), rows: rows, columns: columns, grid: [1, 2, rows / 2])
        }
        return (0..<5).map { i in
            let video = VideoBlock(patches: block(2 * (i + 3), seed: UInt64(200 + i)), frameIndices: [0, 1],
                                   timestamps: [0, 0.5], secondPerGrid: 1)
            return ShardSample(key: "k\(i)", images: i == 2 ? [] : [block(i + 2, seed: UInt64(i)), block(4, seed: UInt64(50 + i))],
                               videos: i % 2 == 1 ? [video] : [], sourcesJSON: "[]", messagesJSON: "[]", text: "t\(i)",
                               warnings: [])
        }
    }

    /// Samples spooled by their workers (some, not all: the in-memory ones between them start new
    /// scratch runs) give shards byte-identical to the same samples kept in memory, in both
    /// formats, and no spool, scratch or temporary file is left behind.
    @Test(arguments: [ShardSettings.Format.safetensors, .webdataset])
    func spooledSamplesGiveTheSameShards(format: ShardSettings.Format) throws {
        let settings = ShardSettings(format: format, maxRows: nil, maxSamples: 3, maxBytes: nil, dtype: "F32",
                                     mean: [0.5], std: [0.25], pipelineName: "test", secondPerGrid: true)
        var outputs: [[String: [UInt8]]] = []
        // In memory; spooled (some); in memory with full shards sealed and finished on another
        // thread while the writer goes on (as convert does).
        for (spoolSome, sealing) in [(false, false), (true, false), (false, true)] {
            let dir = try Self.folder()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let writer = ShardWriter(directory: dir, settings: settings)
            var committed: [CommittedShard] = []
            var pending: ResultBox?
            for (i, sample) in Self.samples(columns: 6).enumerated() {
                let s = spoolSome && i != 1 && i != 3 ? try sample.spooled(directory: dir, name: "spool-\(i)") : sample
                if spoolSome && i != 1 && i != 3 {
                    #expect(s.images.allSatisfy { $0.bytes.isEmpty && $0.spool != nil })
                    #expect(s.tensorBytes == sample.tensorBytes)
                }
                if sealing {
                    if let sealed = try writer.addSealing(s) {
                        if let p = pending { committed.append(try p.wait()) }
                        let box = ResultBox()
                        Thread { box.set(Result { try sealed.finish() }) }.start()
                        pending = box
                    }
                } else if let c = try writer.add(s) {
                    committed.append(c)
                }
            }
            if let p = pending { committed.append(try p.wait()) }
            if let c = try writer.flush() { committed.append(c) }
            #expect(committed.map(\.samples) == [3, 2])
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(!names.contains { $0.contains(".tmp-") }, "left behind: \(names)")
            var files: [String: [UInt8]] = [:]
            for n in names { files[n] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + n))) }
            for c in committed { #expect(SHA256.hex(files[c.name]!) == c.sha256) }
            outputs.append(files)
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
    }

    /// Hands a result from a thread to the test.
    final class ResultBox: @unchecked Sendable {
        private let condition = NSCondition()
        private var value: Result<CommittedShard, any Error>?
        func set(_ v: Result<CommittedShard, any Error>) {
            condition.lock(); value = v; condition.broadcast(); condition.unlock()
        }
        func wait() throws -> CommittedShard {
            condition.lock(); defer { condition.unlock() }
            while value == nil { condition.wait() }
            return try value!.get()
        }
    }

    /// A spooled sample that never reaches a shard takes its file with it; a read-only folder
    /// makes spooling throw, naming the file.
    @Test func droppedSpooledSampleRemovesItsFileAndFailuresNameIt() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let s = try Self.samples(columns: 4)[1].spooled(directory: dir, name: "spool-x")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 3)
            #expect(try s.videos[0].patches.loadedBytes() == Self.samples(columns: 4)[1].videos[0].patches.bytes)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        #expect(throws: FileWriteError.self) {
            _ = try Self.samples(columns: 4)[0].spooled(directory: dir + "/missing", name: "spool-y")
        }
    }
}
