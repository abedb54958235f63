import ArgumentParser
import MMPrepRunner

/// The child of `decode.isolation: process`. Started by mmprep itself with an empty
/// environment; reads requests on stdin and writes built samples to stdout.
struct DecodeWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-worker",
        abstract: "Decoding child process of decode.isolation: process (started by mmprep, not by hand).",
        shouldDisplay: false)

    @Option(help: "Address-space limit (RLIMIT_AS), bytes.")
    var memoryLimit: Int

    func run() throws {
        DecodeWorkerLoop.limitMemory(bytes: memoryLimit)
        try DecodeWorkerLoop.run(logger: makeLogger())
    }
}
