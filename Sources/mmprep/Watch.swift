import ArgumentParser
import Foundation
import Logging
import MMPrepService
import MMPrepShards
import ServiceLifecycle

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch an inbox folder and turn what arrives into shards, exactly once (a systemd service).",
        discussion: """
        processing/, failed/ and done/ are created next to the inbox (same filesystem); the state \
        (SQLite, lock, status, metrics) goes to --state (default: a state/ folder next to the inbox). \
        See docs/service.md.
        """)

    @OptionGroup var options: PipelineOptions

    @Option(help: "The folder files are dropped into (never written to).")
    var inbox: String

    @Option(name: [.short, .long], help: "The dataset folder shards are committed to.")
    var output: String

    @Option(help: "State directory (SQLite store, lock, status.json, metrics.prom).")
    var state: String?

    @Option(help: "Prometheus textfile to write (default STATE/metrics.prom).")
    var metricsFile: String?

    @Option(help: "Also serve the metrics on 127.0.0.1:PORT (GET /metrics).")
    var metricsPort: UInt16?

    @Flag(name: .shortAndLong, help: "Log each step.")
    var verbose = false

    func run() async throws {
        var logger = Logger(label: "mmprep.watch") { JournalLogHandler(label: $0) }
        logger.logLevel = verbose ? .debug : .info
        FFmpegQuiet.apply(verbose: verbose)
        let service: WatchService
        do {
            service = try WatchService(pipelineSource: options.pipeline, overrides: options.overrides,
                                       layout: WatchLayout(inbox: inbox, output: output, state: state),
                                       metricsFile: metricsFile, metricsPort: metricsPort, logger: logger)
        } catch {
            throw fail(error)
        }
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                 cancellationSignals: [], logger: logger)
        do {
            try await group.run()
        } catch {
            throw fail(error)
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a watch service's queue, throughput, failures and last shard.")

    @Option(help: "The service's state directory.")
    var state: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            let store = try StateStore(path: state + "/state.sqlite")
            let s = try store.summary()
            let statusText = (try? String(contentsOfFile: state + "/status.json", encoding: .utf8)) ?? "{}"
            let live = (try? JSONSerialization.jsonObject(with: Data(statusText.utf8))) as? [String: Any] ?? [:]
            let failed = try store.inputs(in: .failed)
            if json {
                var out: [String: Any] = ["counts": s.counts, "duplicates": s.duplicates, "shards": s.shards,
                                          "last_shard": s.lastShard ?? NSNull(), "live": live]
                out["recent_failures"] = failed.suffix(10).map { ["file": $0.name, "error": $0.error ?? ""] }
                print(JSONText.render(out))
                return
            }
            print("state: \(state)")
            print("  queued: \(live["queued"] ?? "?")  working: \(live["working"] ?? "?")  "
                  + "files/s (1 min): \(live["files_per_second"] ?? "?")  "
                  + "polling: \((live["polling"] as? Bool).map { $0 ? "yes" : "no" } ?? "?")")
            if let paused = live["paused"] as? String { print("  PAUSED: \(paused)") }
            print("  inputs: " + s.counts.keys.sorted().map { "\($0) \(s.counts[$0]!)" }.joined(separator: ", ")
                  + ", duplicates \(s.duplicates)")
            print("  shards: \(s.shards), last: \(s.lastShard ?? "none")"
                  + (s.lastShardAt.map { " at \(ISO8601DateFormatter().string(from: $0))" } ?? ""))
            for f in failed.suffix(10) { print("  failed: \(f.name): \(f.error ?? "")") }
        } catch {
            throw fail(error)
        }
    }
}
