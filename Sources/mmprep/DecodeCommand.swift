import ArgumentParser
import Foundation
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode an image, or video frames, to RGB at native size (no resize) into a safetensors file `frames` [n,H,W,3].")

    @Argument(help: "An image or video file.")
    var media: String

    @OptionGroup var options: PipelineOptions

    @Option(help: "Comma-separated frame indices (default: every frame).")
    var frames: String?

    @Flag(help: "Decode the frames the pipeline samples instead of --frames.")
    var planned = false

    @Option(name: [.short, .long], help: "The .safetensors file to write (omit to decode only, e.g. for timing).")
    var output: String?

    func run() throws {
        do {
            let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
            let runner = SampleRunner(pipeline: pipeline, logger: makeLogger())
            var indices: [Int]? = nil
            if let frames {
                indices = try frames.split(separator: ",").map { part in
                    guard let i = Int(part.trimmingCharacters(in: .whitespaces)), i >= 0 else {
                        throw ValidationError("--frames: '\(part)' is not a frame index")
                    }
                    return i
                }
            } else if planned {
                indices = try runner.probeVideo(path: media).1.indices
            }
            if try runner.isImage(path: media) {
                let image = try runner.decodeImage(path: media)
                guard let output else { return }
                let tensor = Tensor(name: "frames", dtype: "U8", shape: [1, image.height, image.width, 3], bytes: image.pixels)
                try SafetensorsFile.write([tensor], metadata: [:], to: output)
                return
            }
            // Without an output, frames are dropped as they come (decode-only timing).
            var bytes = [UInt8]()
            var count = 0
            let (info, wanted) = try runner.decodeFrames(path: media, indices: indices) { _, image in
                count += 1
                if output != nil { bytes += image.pixels }
            }
            guard let output else { return }
            let tensor = Tensor(name: "frames", dtype: "U8", shape: [count, info.height, info.width, 3], bytes: bytes)
            let metadata = [
                "frame_indices": JSONText.array(wanted),
                "frame_count": String(info.frameCount),
                "fps": JSONText.number(info.fps),
                "duration": JSONText.number(info.duration),
                "rotation": String(info.rotation),
            ]
            try SafetensorsFile.write([tensor], metadata: metadata, to: output)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
