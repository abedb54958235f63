import Foundation
import MMPrepCore
@testable import MMPrepDecode
import Testing

struct ImageDecodeTests {
    @Test func formatIsSniffedFromBytesNotName() throws {
        #expect(MediaFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        #expect(MediaFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(MediaFormat.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(MediaFormat.sniff(Array("GIF89a".utf8)) == .gif)
        #expect(MediaFormat.sniff([0, 0, 0, 0x20] + Array("ftypisom".utf8)) == .container)
        // A JPEG named .png decodes as JPEG.
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestFiles.fixture("images/rocket.jpg"))))
        let path = try TestFiles.scratch("really-a-jpeg.png", jpeg)
        let d = try ImageDecoder().decode(path: path)
        #expect(d.format == .jpeg && d.image.width == 640 && d.image.height == 427)
    }

    @Test func paletteAndGreyPNGsBecomeRGB() throws {
        let palette = try ImageDecoder().decode(path: TestFiles.fixture("images/indexed-3x5.png"))
        #expect(palette.image.pixels.count == palette.image.width * palette.image.height * 3)
        let grey = try ImageDecoder().decode(path: TestFiles.fixture("images/brick-grey.png"))
        for i in stride(from: 0, to: grey.image.pixels.count, by: 3) {
            #expect(grey.image.pixels[i] == grey.image.pixels[i + 1] && grey.image.pixels[i] == grey.image.pixels[i + 2])
        }
    }

    @Test func exifOrientationIsReadFromLittleAndBigEndianTIFF() {
        // II*\0, IFD at 8, one entry: 0x0112 SHORT count 1 value 6.
        let le: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        #expect(ExifOrientation.parse(le) == .rotate90Clockwise)
        let be: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0]
        #expect(ExifOrientation.parse(be) == .rotate90CounterClockwise)
        #expect(ExifOrientation.parse([0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0, 0]) == nil)
    }

    @Test func orientationsTurnTheRightWay() {
        // 2x1 image: left pixel red, right pixel blue.
        let img = RGBImage(width: 2, height: 1, pixels: [255, 0, 0, 0, 0, 255])
        let cw = img.transformed(.rotate90Clockwise)
        #expect(cw.width == 1 && cw.height == 2 && cw.pixels == [255, 0, 0, 0, 0, 255])
        let ccw = img.transformed(.rotate90CounterClockwise)
        #expect(ccw.pixels == [0, 0, 255, 255, 0, 0])
        #expect(img.transformed(.rotate180).pixels == [0, 0, 255, 255, 0, 0])
        for o in Orientation.allCases {
            let big = RGBImage(width: 3, height: 2, pixels: (0..<18).map(UInt8.init))
            #expect(big.transformed(o).pixels.sorted() == big.pixels.sorted())
        }
    }

    @Test func alphaIsCompositedOntoWhiteWithPillowsFormula() {
        let rgba: [UInt8] = [10, 20, 30, 0, 10, 20, 30, 255, 200, 100, 0, 128]
        let out = rgba.withUnsafeBufferPointer { PixelConversion.compositeOntoWhite(rgba: $0, pixelCount: 3) }
        #expect(Array(out[0..<3]) == [255, 255, 255])
        #expect(Array(out[3..<6]) == [10, 20, 30])
        // 128/255 of (200,100,0) over white: Pillow gives (227, 177, 127).
        #expect(Array(out[6..<9]) == [227, 177, 127])
    }
}
