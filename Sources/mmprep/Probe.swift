import ArgumentParser
import Foundation
import MMPrepDecode
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a file and what the pipeline would make of it: frames, timestamps, size, grid, tokens.")

    @Argument(help: "An image or video file.")
    var media: String

    @OptionGroup var options: PipelineOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
            let runner = SampleRunner(pipeline: pipeline, logger: makeLogger())
            let report = try ProbeReport.make(path: media, runner: runner)
            if json {
                print(JSONText.render(report))
            } else {
                for key in report.keys.sorted() {
                    print("\(key): \(JSONText.render(report[key]!))")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}

/// The facts `mmprep probe` prints (keys documented in docs/pipeline.md).
enum ProbeReport {
    static func make(path: String, runner: SampleRunner) throws -> [String: Any] {
        let layout = runner.pipeline.layout
        let m = layout.mergeSize, p = layout.patchSize, t = layout.temporalPatchSize
        var r: [String: Any] = ["file": path, "pipeline": runner.pipeline.name]
        if try runner.isImage(path: path) {
            let decoded = try runner.imageDecoder.decode(path: path)
            let (rh, rw) = try runner.imageSize(height: decoded.image.height, width: decoded.image.width, file: path)
            r["kind"] = "image"
            r["container"] = decoded.format.rawValue
            r["codec"] = decoded.format.rawValue
            r["width"] = decoded.image.width
            r["height"] = decoded.image.height
            r["rotation"] = 0
            r["exif_orientation"] = decoded.orientation.rawValue
            r["has_alpha"] = decoded.hadAlpha
            r["frame_count"] = 1
            r["frame_indices"] = [0]
            r["timestamps"] = [0.0]
            r["resized_height"] = rh
            r["resized_width"] = rw
            r["grid_thw"] = [1, rh / p, rw / p]
            r["tokens"] = (rh / p) * (rw / p) / (m * m)
            return r
        }
        let (info, plan, size, warnings) = try runner.probeVideo(path: path)
        let gt = plan.paddedIndices.count / t
        r["kind"] = "video"
        r["container"] = info.container
        r["codec"] = info.codec
        r["pixel_format"] = info.pixelFormat
        r["width"] = info.width
        r["height"] = info.height
        r["coded_width"] = info.codedWidth
        r["coded_height"] = info.codedHeight
        r["rotation"] = info.rotation
        r["color_matrix"] = info.colorMatrix
        r["color_range"] = info.colorRange
        r["fps"] = info.fps
        r["header_fps"] = info.headerFPS.map { $0 as Any } ?? NSNull()
        r["frame_count"] = info.frameCount
        r["duration"] = info.duration
        r["frame_indices"] = plan.indices
        r["padded_frame_indices"] = plan.paddedIndices
        r["timestamps"] = plan.timestamps
        r["group_timestamps"] = plan.groupTimestamps
        r["sampled_fps"] = plan.sampledFPS
        r["second_per_grid_ts"] = Double(t) / plan.sampledFPS
        r["resized_height"] = size.height
        r["resized_width"] = size.width
        r["grid_thw"] = [gt, size.height / p, size.width / p]
        r["tokens"] = gt * (size.height / p) * (size.width / p) / (m * m)
        r["warnings"] = warnings
        return r
    }
}
