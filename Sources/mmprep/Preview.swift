import ArgumentParser
import Foundation
import MMPrepCore
import MMPrepDecode
import MMPrepPipeline
import MMPrepPreprocess
import MMPrepRunner
import MMPrepShards

struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a contact sheet (PNG) of exactly what the model sees, rebuilt from the patches.",
        discussion: """
        The resized frames are reconstructed from the patch tensor (de-normalised to 8 bits), one tile per \
        temporal slot (gt*T tiles for a video, the one resized image for an image), with the merge-window \
        grid (every patch_size*merge_size pixels; fainter lines every patch_size), each frame's index and \
        timestamp and its temporal group's Qwen3 stamp. The input is a media file (run through the pipeline) or \
        SHARD#KEY: one sample of a dataset shard (.safetensors with its .jsonl, or a webdataset .tar); \
        the layout then comes from the dataset's index.json (beside the shard or one folder up), and \
        --pipeline/--set only when there is none.
        """)

    @Argument(help: ArgumentHelp("An image or video file, or SHARD#KEY.", valueName: "media|shard#key"))
    var input: String

    @OptionGroup var options: PipelineOptions

    @Option(name: [.short, .long], help: "The PNG file to write.")
    var output: String

    @Option(help: "Tiles per row.")
    var columns: Int = 4

    @Option(help: "Draw every pixel as N x N (integer zoom for small frames).")
    var zoom: Int = 1

    @Option(help: "Text size: font pixels per 5x7 glyph pixel.")
    var textScale: Int = 2

    @Flag(help: "Print the sheet's layout (size and every tile's rectangle, frame index and timestamp) as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "Log each step.")
    var verbose = false

    func validate() throws {
        guard (1...64).contains(columns) else { throw ValidationError("--columns must be 1...64") }
        guard (1...16).contains(zoom) else { throw ValidationError("--zoom must be 1...16") }
        guard (1...8).contains(textScale) else { throw ValidationError("--text-scale must be 1...8") }
    }

    func run() throws {
        do {
            let (header, sections) = try ShardTarget.parse(input).map(shardSections) ?? mediaSections()
            let sheet = ContactSheet(header: header, sections: sections, columns: columns, zoom: zoom,
                                     textScale: textScale)
            let (image, placements) = sheet.render()
            try PNGWriter.write(image, to: output)
            if json {
                print(JSONText.render(layoutReport(sheet, image: image, placements: placements)))
            } else {
                let tiles = sections.reduce(0) { $0 + $1.tiles.count }
                print("preview: \(sections.count) item(s), \(tiles) tile(s), \(image.width)x\(image.height) -> \(output)")
            }
        } catch {
            throw fail(error)
        }
    }

    // MARK: media files

    func mediaSections() throws -> ([String], [ContactSheet.Section]) {
        let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
        let runner = SampleRunner(pipeline: pipeline, logger: makeLogger(verbose: verbose))
        let result = try runner.preprocess(path: input)
        let section: ContactSheet.Section
        do {
            section = try .media(result, number: 0, layout: pipeline.layout, normalization: pipeline.normalization)
        } catch {
            throw PreviewError("\(input): \(error)")
        }
        let name = pipeline.name == pipeline.family.rawValue ? pipeline.name : "\(pipeline.name) (\(pipeline.family.rawValue))"
        var header = [input, Self.describe(pipeline: name,
                                           dtype: pipeline.output.dtype.rawValue, layout: pipeline.layout)]
        header += result.warnings.map { "warning: " + $0 }
        return (header, [section])
    }

    static func describe(pipeline: String, dtype: String, layout: PatchLayout) -> String {
        "pipeline \(pipeline)  dtype \(dtype)  patch \(layout.patchSize)  merge \(layout.mergeSize)"
            + "  T \(layout.temporalPatchSize)"
    }

    // MARK: shard samples

    func shardSections(_ target: ShardTarget) throws -> ([String], [ContactSheet.Section]) {
        let sample = try target.load()
        let (layout, pipelineName, indexNormalization) = try shardPipeline(target.shard)
        let file = sample.tensorFile
        guard let dtypeName = sample.metadata["dtype"] ?? sample.tensorDType(),
              let dtype = TensorDType.allCases.first(where: { $0.safetensorsName == dtypeName || $0.rawValue == dtypeName })
        else {
            throw PreviewError("\(file): no usable dtype in the metadata (\(sample.metadata["dtype"] ?? "none"))")
        }
        let normalization: Normalization
        if let mean = Self.numbers(sample.metadata["mean"]), let std = Self.numbers(sample.metadata["std"]),
           mean.count == 3, std.count == 3 {
            normalization = Normalization(mean: mean, std: std)
        } else {
            normalization = indexNormalization
        }
        let unpatchifier = Unpatchifier(layout: layout, normalization: normalization)
        var sections: [ContactSheet.Section] = []
        for (kind, tensor) in [("images", "pixel_values"), ("videos", "pixel_values_videos")] {
            let items = sample.record[kind] as? [[String: Any]] ?? []
            if !items.isEmpty, let columns = sample.columns(tensor), columns != layout.columns {
                throw PreviewError("\(file): \(tensor) has \(columns) columns but patch \(layout.patchSize), "
                                   + "T \(layout.temporalPatchSize) give \(layout.columns); "
                                   + "pass the dataset's pipeline with --pipeline")
            }
            for (n, item) in items.enumerated() {
                guard let rows = item["rows"] as? [Int], rows.count == 2, rows[0] <= rows[1],
                      let g = item["grid_thw"] as? [Int], g.count == 3 else {
                    throw PreviewError("\(sample.recordFile): \(target.key): \(kind)[\(n)] has no valid rows/grid_thw")
                }
                let grid = (t: g[0], h: g[1], w: g[2])
                let bytes = try sample.readRows(tensor, rows[0]..<rows[1])
                let frames: [RGBImage]
                do {
                    frames = try unpatchifier.unpatchify(bytes, dtype: dtype, rows: rows[1] - rows[0], grid: grid)
                } catch {
                    throw PreviewError("\(file): \(target.key): \(kind)[\(n)]: \(error)")
                }
                if kind == "images" {
                    sections.append(.image(number: n, frames: frames, grid: grid, layout: layout))
                } else {
                    sections.append(.video(number: n, frames: frames, frameIndices: item["frame_indices"] as? [Int] ?? [],
                                           timestamps: Self.numbers(item["timestamps"]) ?? [], grid: grid, layout: layout))
                }
            }
        }
        guard !sections.isEmpty else {
            throw PreviewError("\(sample.recordFile): sample '\(target.key)' has no images or videos")
        }
        return ([input, Self.describe(pipeline: pipelineName, dtype: dtype.rawValue, layout: layout)], sections)
    }

    /// The dataset's layout, name and normalisation from its index.json (beside the shard or one folder
    /// up), else from --pipeline / --set.
    func shardPipeline(_ shard: String) throws -> (PatchLayout, String, Normalization) {
        let dir = (shard as NSString).deletingLastPathComponent
        for candidate in [dir, (dir as NSString).deletingLastPathComponent] {
            let path = ((candidate.isEmpty ? "." : candidate) as NSString).appendingPathComponent("index.json")
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let index = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let pipeline = index["pipeline"] as? [String: Any],
                  let image = pipeline["image"] as? [String: Any],
                  let p = image["patch_size"] as? Int, let m = image["merge_size"] as? Int,
                  let t = image["temporal_patch_size"] as? Int, p > 0, m > 0, t > 0 else {
                throw PreviewError("\(path): no pipeline.image.patch_size/merge_size/temporal_patch_size")
            }
            let mean = Self.numbers(image["mean"]) ?? [0, 0, 0], std = Self.numbers(image["std"]) ?? [1, 1, 1]
            let named = pipeline["name"] as? String ?? "?", family = pipeline["family"] as? String ?? "?"
            let name = named == family ? named : "\(named) (\(family))"
            return (PatchLayout(patchSize: p, mergeSize: m, temporalPatchSize: t), name,
                    Normalization(mean: mean.count == 3 ? mean : [0, 0, 0], std: std.count == 3 ? std : [1, 1, 1]))
        }
        let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
        return (pipeline.layout, "\(pipeline.name) (\(pipeline.family.rawValue), from --pipeline)", pipeline.normalization)
    }

    /// A JSON array of numbers, given as JSON text or already parsed.
    static func numbers(_ value: Any?) -> [Double]? {
        if let text = value as? String {
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8))).flatMap { numbers($0) }
        }
        guard let list = value as? [Any] else { return nil }
        let out = list.compactMap { ($0 as? NSNumber)?.doubleValue }
        return out.count == list.count ? out : nil
    }

    func layoutReport(_ sheet: ContactSheet, image: RGBImage, placements: [ContactSheet.Placement]) -> [String: Any] {
        let tiles: [[String: Any]] = placements.map { p in
            let section = sheet.sections[p.section], tile = section.tiles[p.tile]
            var r: [String: Any] = ["section": p.section, "tile": p.tile, "x": p.x, "y": p.y,
                                    "width": p.width, "height": p.height, "group": tile.group, "padded": tile.padded,
                                    "caption": tile.caption]
            if let v = tile.frameIndex { r["frame_index"] = v }
            if let v = tile.timestamp { r["timestamp"] = v }
            if let v = tile.groupStamp { r["group_timestamp"] = v }
            return r
        }
        let sections: [[String: Any]] = sheet.sections.map {
            ["title": $0.title, "patch_size": $0.patchSize, "window_size": $0.windowSize, "tiles": $0.tiles.count]
        }
        return ["output": output, "width": image.width, "height": image.height, "zoom": zoom, "columns": columns,
                "text_scale": textScale, "header": sheet.header, "sections": sections, "tiles": tiles]
    }
}

struct PreviewError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `SHARD#KEY`: a sample of a .safetensors shard (records in the .jsonl beside it) or a .tar shard.
struct ShardTarget {
    let shard: String
    let key: String

    /// nil when `input` names an existing file or is not of the form SHARD#KEY.
    static func parse(_ input: String) throws -> ShardTarget? {
        guard !FileManager.default.fileExists(atPath: input), let hash = input.lastIndex(of: "#") else { return nil }
        let shard = String(input[..<hash]), key = String(input[input.index(after: hash)...])
        guard shard.hasSuffix(".safetensors") || shard.hasSuffix(".tar") else { return nil }
        guard FileManager.default.fileExists(atPath: shard) else { throw PreviewError("\(shard): no such shard") }
        guard !key.isEmpty else { throw PreviewError("\(input): no sample key after '#'") }
        return ShardTarget(shard: shard, key: key)
    }

    /// One sample's record and a way to read its tensor rows.
    struct Sample {
        var record: [String: Any]
        var recordFile: String
        var tensorFile: String
        var metadata: [String: String]
        /// name -> (dtype, shape, byte range in `data` or in the file)
        var entries: [String: (dtype: String, shape: [Int], begin: Int, end: Int)]
        var header: SafetensorsHeader?
        var data: [UInt8]

        func columns(_ name: String) -> Int? {
            entries[name].flatMap { $0.shape.count == 2 ? $0.shape[1] : nil }
        }

        func tensorDType() -> String? { (entries["pixel_values"] ?? entries["pixel_values_videos"])?.dtype }

        func readRows(_ name: String, _ rows: Range<Int>) throws -> [UInt8] {
            guard let e = entries[name], e.shape.count == 2 else {
                throw PreviewError("\(tensorFile): no 2-D tensor \(name)")
            }
            guard rows.upperBound <= e.shape[0] else {
                throw PreviewError("\(tensorFile): rows \(rows.lowerBound)..<\(rows.upperBound) are past the "
                                   + "\(e.shape[0]) rows of \(name)")
            }
            if let header { return try header.readRows(name, rows: rows, from: tensorFile) }
            let rowBytes = e.shape[0] == 0 ? 0 : (e.end - e.begin) / e.shape[0]
            return Array(data[(e.begin + rows.lowerBound * rowBytes)..<(e.begin + rows.upperBound * rowBytes)])
        }
    }

    func load() throws -> Sample {
        shard.hasSuffix(".tar") ? try loadTar() : try loadSafetensors()
    }

    func loadSafetensors() throws -> Sample {
        let header = try SafetensorsHeader.read(shard)
        let records = (shard as NSString).deletingPathExtension + ".jsonl"
        guard let data = FileManager.default.contents(atPath: records) else {
            throw PreviewError("\(records): cannot read the shard's records")
        }
        var keys: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let r = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw PreviewError("\(records): a line is not a JSON object")
            }
            let k = r["key"] as? String ?? ""
            if k == key {
                var entries: [String: (dtype: String, shape: [Int], begin: Int, end: Int)] = [:]
                for e in header.entries { entries[e.name] = (e.dtype, e.shape, e.begin, e.end) }
                return Sample(record: r, recordFile: records, tensorFile: shard, metadata: header.metadata,
                              entries: entries, header: header, data: [])
            }
            keys.append(k)
        }
        throw PreviewError("\(records): no sample with key '\(key)' (\(Self.listing(keys)))")
    }

    func loadTar() throws -> Sample {
        guard let data = FileManager.default.contents(atPath: shard) else { throw PreviewError("\(shard): cannot read") }
        let members = TarReader.entries(Array(data))
        let find = { (name: String) in members.first { $0.0 == name }?.1 }
        guard let json = find(key + ".json"), let tensors = find(key + ".safetensors") else {
            let keys = members.map(\.0).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
            throw PreviewError("\(shard): no members \(key).json and \(key).safetensors (\(Self.listing(keys)))")
        }
        guard let record = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw PreviewError("\(shard)#\(key).json: not a JSON object")
        }
        let file = "\(shard)#\(key).safetensors"
        let bytes = Array(tensors)
        guard bytes.count >= 8 else { throw PreviewError("\(file): shorter than a header") }
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        guard n >= 2, 8 + n <= bytes.count,
              let head = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any] else {
            throw PreviewError("\(file): header is not a JSON object")
        }
        var entries: [String: (dtype: String, shape: [Int], begin: Int, end: Int)] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in head {
            if name == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String, let shape = e["shape"] as? [Int],
                  let off = e["data_offsets"] as? [Int], off.count == 2, off[0] <= off[1], 8 + n + off[1] <= bytes.count
            else { throw PreviewError("\(file): bad entry for \(name)") }
            entries[name] = (dtype, shape, 8 + n + off[0], 8 + n + off[1])
        }
        return Sample(record: record, recordFile: "\(shard)#\(key).json", tensorFile: file, metadata: metadata,
                      entries: entries, header: nil, data: bytes)
    }

    static func listing(_ keys: [String]) -> String {
        if keys.isEmpty { return "the shard has no samples" }
        let shown = keys.prefix(5).joined(separator: ", ")
        return "\(keys.count) samples: " + shown + (keys.count > 5 ? ", ..." : "")
    }
}
