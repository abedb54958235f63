import ArgumentParser
import Foundation
import MMPrepPipeline
import MMPrepRunner

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert folders of media and JSONL manifests into a sharded dataset.",
        discussion: """
        Inputs are folders (walked recursively; NAME.txt / NAME.json beside a media file are its caption or \
        messages), JSONL manifests (Qwen `messages` or LLaVA/ShareGPT `conversations`), or single media files. \
        Running the same command again after an interruption finishes the job. \
        --worker-index/--worker-count default from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (minus \
        SLURM_ARRAY_TASK_MIN), or JOB_COMPLETION_INDEX with MMPREP_WORKER_COUNT (Kubernetes Indexed Jobs).
        """)

    @Argument(help: "Folders, .jsonl manifests or media files.")
    var inputs: [String]

    @OptionGroup var options: PipelineOptions

    @Option(name: [.short, .long], help: "The dataset folder to write.")
    var output: String

    @Option(name: [.short, .long], help: "Parallel workers (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Exit non-zero when more inputs than this fail (default 0).")
    var maxFailures: Int = 0

    @Option(help: "This worker's index among --worker-count workers.")
    var workerIndex: Int?

    @Option(help: "Number of workers the inputs are partitioned between (by key).")
    var workerCount: Int?

    @Option(name: .customLong("allow-root"), help: "Let manifests name media under this folder (repeatable).")
    var allowRoots: [String] = []

    @Flag(name: .shortAndLong, help: "Log each step.")
    var verbose = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxFailures >= 0 else { throw ValidationError("--max-failures must be at least 0") }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let (index, count) = WorkerSlot.resolve(index: workerIndex, count: workerCount, environment: env)
        guard count >= 1, index >= 0, index < count else {
            throw fail(ConvertError("worker index \(index) is outside 0..<\(count)"))
        }
        let summary: ConvertSummary
        do {
            let pipeline = try PipelineLoader.load(options.pipeline, overrides: options.overrides)
            let job = ConvertJob(pipeline: pipeline,
                                 options: ConvertOptions(inputs: inputs, output: output, jobs: jobs,
                                                         maxFailures: maxFailures, workerIndex: index,
                                                         workerCount: count, allowRoots: allowRoots),
                                 logger: makeLogger(verbose: verbose))
            summary = try job.run(progress: ProgressReporter(label: "convert", enabled: !quiet))
        } catch {
            throw fail(error)
        }
        let rate = summary.seconds > 0 ? Double(summary.ok + summary.failed - 0) / summary.seconds : 0
        let note = summary.alreadyComplete ? " (already complete; nothing to do)"
            : summary.resumedFrom > 0 ? " (resumed after \(summary.resumedFrom) committed samples)" : ""
        FileHandle.standardError.write(Data("""
            convert: \(summary.ok) ok, \(summary.failed) failed, \(summary.skipped) skipped, \(summary.shards) shards \
            in \(String(format: "%.1f", summary.seconds)) s (\(String(format: "%.1f", rate)) items/s)\(note) -> \(output)

            """.utf8))
        if summary.failed > maxFailures {
            FileHandle.standardError.write(Data("convert: \(summary.failed) failures exceed --max-failures \(maxFailures); see \(output)/failures.jsonl\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Which slice of the inputs this process converts.
enum WorkerSlot {
    static func resolve(index: Int?, count: Int?, environment env: [String: String]) -> (Int, Int) {
        if let index, let count { return (index, count) }
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) {
            let min = env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            let n = count ?? env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) ?? 1
            return (index ?? id - min, n)
        }
        if let id = env["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            return (index ?? id, count ?? env["MMPREP_WORKER_COUNT"].flatMap(Int.init) ?? 1)
        }
        return (index ?? 0, count ?? 1)
    }
}
