import ArgumentParser
import Foundation
import MMPrepPipeline

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline file (or preset) and print it fully resolved.")

    @Argument(help: "A pipeline YAML file or preset name.")
    var pipeline: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a pipeline key.", valueName: "KEY.PATH=VALUE"))
    var overrides: [String] = []

    @Flag(help: "Print only errors.")
    var quiet = false

    func run() throws {
        do {
            let resolved = try PipelineLoader.load(pipeline, overrides: overrides)
            if !quiet { print(PipelineLoader.render(resolved), terminator: "") }
        } catch {
            throw fail(error)
        }
    }
}
