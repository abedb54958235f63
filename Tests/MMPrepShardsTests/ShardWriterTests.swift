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
            FileManager.default.createFile(atPath: source, contents: Data(data))
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
        #expect(bytes == SafetensorsFile.encode(expected, metadata: metadata))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [shard.name, "shard-000000.jsonl"].sorted())
    }
}
