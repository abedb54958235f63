import ArgumentParser
import Foundation
import Logging
import MMPrepDecode
import MMPrepShards

@main
struct MMPrep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmprep",
        abstract: "Turn images and videos into training-ready tensors for Qwen-family vision-language models.",
        version: MMPrepVersion.string,
        subcommands: [Convert.self, Watch.self, Status.self, Merge.self, Inspect.self, Preview.self, Preprocess.self,
                      Probe.self, Decode.self, Validate.self, RenderText.self, DecodeWorker.self])
}

enum MMPrepVersion {
    static let string = "0.1.0"
}

/// Options every command that reads a pipeline takes.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: "A preset name (qwen2-vl, qwen2.5-vl, qwen3-vl, qwen3.5) or a pipeline YAML file.")
    var pipeline: String = "qwen2.5-vl"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a pipeline key, e.g. --set video.fps=1.", valueName: "KEY.PATH=VALUE"))
    var overrides: [String] = []
}

enum FFmpegQuiet {
    static func apply(verbose: Bool) { FFmpegLogging.setLevel(verbose ? .warning : .quiet) }
}


func makeLogger(verbose: Bool = false) -> Logger {
    FFmpegQuiet.apply(verbose: verbose)
    var logger = Logger(label: "mmprep") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = verbose ? .debug : .warning
    return logger
}

/// Prints an error that names the file and the reason, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("mmprep: error: \(error)\n".utf8))
    return ExitCode(1)
}
