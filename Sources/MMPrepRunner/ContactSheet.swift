import Foundation
import MMPrepCore
import MMPrepPreprocess

/// A contact sheet of what the model sees: header lines, then one section per image or video,
/// each a title and its frames as tiles in rows, with the merge-window grid drawn over every tile
/// and a caption under it. White background; text in `BitmapFont`.
///
/// Layout (pixels; `s` = text scale, `z` = zoom, `L` = 10*s the line height):
/// a margin of 16 all round; the header lines; per section a gap of 20 (with a grey rule in it), the
/// title line, a gap of 8, then cells `columns` to a row with gaps of 16. A cell is the tile (`z` times
/// its size) inside a 3-pixel border in its temporal group's colour, then 4 pixels and the caption
/// lines; all cells of a section have the width of its widest tile-with-border or caption and the
/// height of its tallest.
/// Grid lines are blended into the tile on the first pixel row/column of every merge window
/// (p*m, strong) and of every patch (p, faint; only when a patch is at least 8 pixels on screen),
/// so every other pixel is exactly the de-normalised value.
public struct ContactSheet: Sendable {
    public struct Tile: Sendable {
        public var image: RGBImage
        public var caption: [String]
        /// Temporal group (picks the border colour).
        public var group: Int
        /// A repeated (padding) frame: its caption is grey.
        public var padded: Bool
        public var frameIndex: Int?
        public var timestamp: Double?
        public var groupStamp: Double?

        public init(image: RGBImage, caption: [String], group: Int = 0, padded: Bool = false,
                    frameIndex: Int? = nil, timestamp: Double? = nil, groupStamp: Double? = nil) {
            self.image = image
            self.caption = caption
            self.group = group
            self.padded = padded
            self.frameIndex = frameIndex
            self.timestamp = timestamp
            self.groupStamp = groupStamp
        }
    }

    public struct Section: Sendable {
        public var title: String
        public var tiles: [Tile]
        /// Faint lines every `patchSize` pixels, strong ones every `windowSize` (= p*m).
        public var patchSize: Int
        public var windowSize: Int

        public init(title: String, tiles: [Tile], patchSize: Int, windowSize: Int) {
            self.title = title
            self.tiles = tiles
            self.patchSize = patchSize
            self.windowSize = windowSize
        }
    }

    /// Where a tile's pixels landed on the sheet (without border).
    public struct Placement: Sendable {
        public var section: Int
        public var tile: Int
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
    }

    public var header: [String]
    public var sections: [Section]
    public var columns: Int
    public var zoom: Int
    public var textScale: Int

    public init(header: [String], sections: [Section], columns: Int = 4, zoom: Int = 1, textScale: Int = 2) {
        precondition(columns >= 1 && zoom >= 1 && textScale >= 1)
        self.header = header
        self.sections = sections
        self.columns = columns
        self.zoom = zoom
        self.textScale = textScale
    }

    static let margin = 16, border = 3, gap = 16, captionGap = 4, sectionGap = 20, titleGap = 8
    static let background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    static let ink: (UInt8, UInt8, UInt8) = (20, 20, 20)
    static let titleInk: (UInt8, UInt8, UInt8) = (20, 60, 140)
    static let mutedInk: (UInt8, UInt8, UInt8) = (150, 150, 150)
    static let rule: (UInt8, UInt8, UInt8) = (215, 215, 215)
    static let groupColors: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    ]

    var lineHeight: Int { BitmapFont.lineHeight * textScale }

    struct SectionGeometry {
        var cellWidth: Int
        var cellHeight: Int
        var perRow: Int
        var rows: Int
        var width: Int { perRow * cellWidth + max(perRow - 1, 0) * ContactSheet.gap }
        var height: Int { rows * cellHeight + max(rows - 1, 0) * ContactSheet.gap }
    }

    func geometry(_ section: Section) -> SectionGeometry {
        let b = Self.border
        var cw = 0, ch = 0
        for t in section.tiles {
            let captionWidth = t.caption.map { BitmapFont.width(of: $0, scale: textScale) }.max() ?? 0
            cw = max(cw, t.image.width * zoom + 2 * b, captionWidth)
            let captionHeight = t.caption.isEmpty ? 0 : Self.captionGap + t.caption.count * lineHeight
            ch = max(ch, t.image.height * zoom + 2 * b + captionHeight)
        }
        let perRow = min(columns, section.tiles.count)
        let rows = perRow == 0 ? 0 : (section.tiles.count + perRow - 1) / perRow
        return SectionGeometry(cellWidth: cw, cellHeight: ch, perRow: perRow, rows: rows)
    }

    /// Draws the sheet; returns it and where each tile went.
    public func render() -> (image: RGBImage, placements: [Placement]) {
        let m = Self.margin, L = lineHeight
        let geometries = sections.map(geometry)
        var width = 0
        for line in header { width = max(width, BitmapFont.width(of: line, scale: textScale)) }
        for (s, g) in zip(sections, geometries) {
            width = max(width, g.width, BitmapFont.width(of: s.title, scale: textScale))
        }
        var height = header.count * L
        for g in geometries { height += Self.sectionGap + L + Self.titleGap + g.height }
        width += 2 * m
        height += 2 * m
        var canvas = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        var y = m
        for line in header {
            BitmapFont.draw(line, on: &canvas, x: m, y: y, scale: textScale, color: Self.ink)
            y += L
        }
        var placements: [Placement] = []
        for (si, (section, g)) in zip(sections, geometries).enumerated() {
            Self.fill(&canvas, x: m, y: y + Self.sectionGap / 2 - 1, width: width - 2 * m, height: 1, color: Self.rule)
            y += Self.sectionGap
            BitmapFont.draw(section.title, on: &canvas, x: m, y: y, scale: textScale, color: Self.titleInk)
            y += L + Self.titleGap
            for (ti, tile) in section.tiles.enumerated() {
                let cx = m + (ti % g.perRow) * (g.cellWidth + Self.gap)
                let cy = y + (ti / g.perRow) * (g.cellHeight + Self.gap)
                let tw = tile.image.width * zoom, th = tile.image.height * zoom
                let color = Self.groupColors[tile.group % Self.groupColors.count]
                Self.fill(&canvas, x: cx, y: cy, width: tw + 2 * Self.border, height: th + 2 * Self.border, color: color)
                let px = cx + Self.border, py = cy + Self.border
                blit(tile.image, on: &canvas, x: px, y: py)
                drawGrid(on: &canvas, x: px, y: py, width: tw, height: th, section: section)
                var ly = py + th + Self.border + Self.captionGap
                for line in tile.caption {
                    BitmapFont.draw(line, on: &canvas, x: cx, y: ly, scale: textScale,
                                    color: tile.padded ? Self.mutedInk : Self.ink)
                    ly += L
                }
                placements.append(Placement(section: si, tile: ti, x: px, y: py, width: tw, height: th))
            }
            y += g.height
        }
        return (canvas, placements)
    }

    static func fill(_ canvas: inout RGBImage, x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8)) {
        let w = canvas.width
        canvas.pixels.withUnsafeMutableBufferPointer { px in
            for yy in y..<(y + height) {
                for xx in x..<(x + width) {
                    let i = (yy * w + xx) * 3
                    px[i] = color.0
                    px[i + 1] = color.1
                    px[i + 2] = color.2
                }
            }
        }
    }

    /// Copies `image` at (x, y), each pixel `zoom` x `zoom`.
    func blit(_ image: RGBImage, on canvas: inout RGBImage, x: Int, y: Int) {
        let w = canvas.width, z = zoom, iw = image.width
        image.pixels.withUnsafeBufferPointer { src in
            canvas.pixels.withUnsafeMutableBufferPointer { dst in
                for sy in 0..<image.height {
                    for dy in 0..<z {
                        var d = ((y + sy * z + dy) * w + x) * 3
                        var s = sy * iw * 3
                        for _ in 0..<iw {
                            for _ in 0..<z {
                                dst[d] = src[s]
                                dst[d + 1] = src[s + 1]
                                dst[d + 2] = src[s + 2]
                                d += 3
                            }
                            s += 3
                        }
                    }
                }
            }
        }
    }

    /// Blends grid lines into the tile at (x, y): towards black on light pixels and white on dark.
    func drawGrid(on canvas: inout RGBImage, x: Int, y: Int, width: Int, height: Int, section: Section) {
        let minor = section.patchSize * zoom, major = section.windowSize * zoom
        if minor >= 8 && minor < major {
            lines(on: &canvas, x: x, y: y, width: width, height: height, every: minor, alpha: 0.25)
        }
        if major > 0 {
            lines(on: &canvas, x: x, y: y, width: width, height: height, every: major, alpha: 0.7)
        }
    }

    func lines(on canvas: inout RGBImage, x: Int, y: Int, width: Int, height: Int, every step: Int, alpha: Double) {
        let w = canvas.width
        func blend(_ px: UnsafeMutableBufferPointer<UInt8>, _ i: Int) {
            let lum = (299 * Int(px[i]) + 587 * Int(px[i + 1]) + 114 * Int(px[i + 2])) / 1000
            let target = lum >= 128 ? 0.0 : 255.0
            for k in 0..<3 {
                let v = Double(px[i + k])
                px[i + k] = UInt8((v + (target - v) * alpha).rounded())
            }
        }
        canvas.pixels.withUnsafeMutableBufferPointer { px in
            for yy in 0..<height {
                let onRow = yy > 0 && yy % step == 0
                for xx in 0..<width where onRow || (xx > 0 && xx % step == 0) {
                    blend(px, ((y + yy) * w + x + xx) * 3)
                }
            }
        }
    }
}

extension ContactSheet.Section {
    static func describe(_ kind: String, _ number: Int, grid: (t: Int, h: Int, w: Int), layout: PatchLayout,
                         size: (width: Int, height: Int)) -> String {
        let m = layout.mergeSize
        return "\(kind) \(number)  grid_thw [\(grid.t), \(grid.h), \(grid.w)]  tokens \(grid.t * grid.h * grid.w / (m * m))"
            + "  resized \(size.width)x\(size.height)"
    }

    /// An image: the one resized image (the first of its T identical frames).
    public static func image(number: Int, frames: [RGBImage], grid: (t: Int, h: Int, w: Int),
                             layout: PatchLayout) -> Self {
        let first = frames[0]
        let title = describe("image", number, grid: grid, layout: layout, size: (first.width, first.height))
        let tile = ContactSheet.Tile(image: first, caption: ["image \(number)", "repeated x\(layout.temporalPatchSize) (T)"])
        return Self(title: title, tiles: [tile], patchSize: layout.patchSize, windowSize: layout.factor)
    }

    /// A video: one tile per temporal slot of the padded frame list (`frames.count` = gt*T), captioned
    /// with the source frame index and timestamp, and its temporal group with the Qwen3 stamp
    /// `(t[gT] + t[gT+T-1]) / 2`. `frameIndices` / `timestamps` are the sampled ones, before padding.
    public static func video(number: Int, frames: [RGBImage], frameIndices: [Int], timestamps: [Double],
                             grid: (t: Int, h: Int, w: Int), layout: PatchLayout) -> Self {
        let tp = layout.temporalPatchSize
        let sampled = min(frameIndices.count, timestamps.count)
        func padded<T>(_ values: [T]) -> [T?] {
            (0..<frames.count).map { i in values.isEmpty ? nil : values[min(i, values.count - 1)] }
        }
        let indices = padded(Array(frameIndices.prefix(sampled)))
        let stamps = padded(Array(timestamps.prefix(sampled)))
        var tiles: [ContactSheet.Tile] = []
        for (i, frame) in frames.enumerated() {
            let g = i / tp
            let first = stamps[g * tp], last = stamps[min(g * tp + tp - 1, frames.count - 1)]
            let groupStamp = first.flatMap { a in last.map { (a + $0) / 2 } }
            var line1 = indices[i].map { "#\($0)" } ?? "#?"
            if let t = stamps[i] { line1 += "  " + String(format: "%.2f s", t) }
            if i >= sampled { line1 += " pad" }
            let line2 = "group \(g)" + (groupStamp.map { "  <" + String(format: "%.1f", $0) + " seconds>" } ?? "")
            tiles.append(ContactSheet.Tile(image: frame, caption: [line1, line2], group: g, padded: i >= sampled,
                                           frameIndex: indices[i], timestamp: stamps[i], groupStamp: groupStamp))
        }
        let size = (frames.first?.width ?? 0, frames.first?.height ?? 0)
        var title = describe("video", number, grid: grid, layout: layout, size: size)
        title += "  frames \(sampled)" + (frames.count > sampled ? " + \(frames.count - sampled) pad" : "") + "  T=\(tp)"
        return Self(title: title, tiles: tiles, patchSize: layout.patchSize, windowSize: layout.factor)
    }

    /// The section for one preprocessed input.
    public static func media(_ result: MediaResult, number: Int, layout: PatchLayout,
                             normalization: Normalization) throws(UnpatchifyError) -> Self {
        let frames = try Unpatchifier(layout: layout, normalization: normalization).unpatchify(result.patches)
        let grid = result.patches.grid
        guard let plan = result.plan else { return image(number: number, frames: frames, grid: grid, layout: layout) }
        return video(number: number, frames: frames, frameIndices: plan.indices, timestamps: plan.timestamps,
                     grid: grid, layout: layout)
    }
}
