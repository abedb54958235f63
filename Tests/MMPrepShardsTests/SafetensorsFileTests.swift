import Foundation
import MMPrepShards
import Testing

struct SafetensorsFileTests {
    @Test func headerIsAlignedSortedAndReadsBack() throws {
        let a = Tensor(name: "pixel_values", dtype: "F32", shape: [1, 2], bytes: [0, 0, 128, 63, 0, 0, 0, 64])
        let b = Tensor.int64("image_grid_thw", shape: [1, 3], [1, 2, 3])
        let bytes = SafetensorsFile.encode([a, b], metadata: ["z": "1", "a": "[0]"])
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        #expect(n % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{\"a\":\"[0]\",\"z\":\"1\"},\"image_grid_thw\""))
        #expect(SafetensorsFile.encode([b, a], metadata: ["a": "[0]", "z": "1"]) == bytes)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors").path
        try SafetensorsFile.write([a, b], metadata: ["a": "[0]"], to: path)
        let (tensors, metadata) = try SafetensorsFile.read(path)
        #expect(tensors == [b, a])
        #expect(metadata == ["a": "[0]"])
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }

    @Test func writingIntoAMissingFolderFailsCleanly() {
        #expect(throws: FileWriteError.self) {
            try SafetensorsFile.write([], to: "/nonexistent-dir/x.safetensors")
        }
    }
}
