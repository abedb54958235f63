import ArgumentParser
import Foundation
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode video frames to RGB at native size (no resize) into a safetensors file `frames` [n,H,W,3].")

    @Argument(help: "A video file.")
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
            let (info, wanted, images) = try runner.decodeFrames(path: media, indices: indices)
            guard let output else { return }
            var bytes = [UInt8]()
            bytes.reserveCapacity(images.reduce(0) { $0 + $1.pixels.count })
            for image in images { bytes += image.pixels }
            let tensor = Tensor(name: "frames", dtype: "U8", shape: [images.count, info.height, info.width, 3], bytes: bytes)
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
