import ArgumentParser
import Foundation
import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write exactly what the reference processor returns for one image or video, as safetensors.")

    @Argument(help: "An image or video file.")
    var media: String

    @OptionGroup var options: PipelineOptions

    @Option(name: [.short, .long], help: "The .safetensors file to write.")
    var output: String

    @Flag(name: .shortAndLong, help: "Log each step.")
    var verbose = false

    func run() throws {
        do {
            let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
            guard pipeline.output.dtype != .uint8 else {
                throw ValidationError("output.dtype uint8 is for shards (mmprep convert); preprocess writes float32, bfloat16 or float16")
            }
            let runner = SampleRunner(pipeline: pipeline, logger: makeLogger(verbose: verbose))
            let result = try runner.preprocess(path: media)
            let (tensors, metadata) = TensorOutput.tensors(for: result, pipeline: pipeline, source: media)
            try SafetensorsFile.write(tensors, metadata: metadata, to: output)
        } catch {
            throw fail(error)
        }
    }
}
