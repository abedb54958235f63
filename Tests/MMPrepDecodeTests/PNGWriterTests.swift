import Foundation
import MMPrepCore
import MMPrepDecode
import Testing

struct PNGWriterTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("mmprep-pngwriter-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func pattern(width: Int, height: Int) -> RGBImage {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<px.count { px[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        return RGBImage(width: width, height: height, pixels: px)
    }

    @Test(arguments: [(1, 1), (3, 5), (17, 2), (640, 480)])
    func writtenPNGDecodesToTheSamePixels(size: (Int, Int)) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = Self.pattern(width: size.0, height: size.1)
        let path = dir + "/out.png"
        try PNGWriter.write(image, to: path)
        let decoded = try ImageDecoder().decode(path: path)
        #expect(decoded.format == .png)
        #expect(decoded.image == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.png"], "no temporary file is left")
    }

    @Test func overwritesAnExistingFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.png"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let image = Self.pattern(width: 4, height: 4)
        try PNGWriter.write(image, to: path)
        #expect(try ImageDecoder().decode(path: path).image == image)
    }

    @Test func aMissingFolderIsAnErrorNamingTheFile() throws {
        let path = "/nonexistent-mmprep-folder/out.png"
        do {
            try PNGWriter.write(Self.pattern(width: 2, height: 2), to: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.reason == .io)
            #expect(error.description.contains("No such file"))
        }
    }

    @Test func anEmptyImageIsAnError() {
        #expect(throws: DecodeError.self) {
            try PNGWriter.write(RGBImage(width: 0, height: 0, pixels: []), to: "/tmp/never-written.png")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.png"))
    }
}
