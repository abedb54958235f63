import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `mmprep watch` as a swift-service-lifecycle service: the work loop runs on its own thread;
/// SIGTERM/SIGINT (graceful shutdown) stop claiming and commit the open shard; SIGHUP reloads
/// the pipeline (a bad one is rejected and the old one kept).
public final class WatchService: Service, @unchecked Sendable {
    let engine: WatchEngine
    let logger: Logger

    public init(pipelineSource: String, overrides: [String], layout: WatchLayout, metricsFile: String?,
                metricsPort: UInt16? = nil, logger: Logger) throws {
        engine = try WatchEngine(pipelineSource: pipelineSource, overrides: overrides, layout: layout,
                                 metricsFile: metricsFile, metricsPort: metricsPort, logger: logger)
        self.logger = logger
    }

    public func run() async throws {
        let stop = Flag()
        let reload = Flag()
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                reload.set()
            }
        }
        defer { signals.cancel() }
        let engine = self.engine
        // WATCHDOG=1 from a thread of its own, sent only while the work loop is alive.
        if let notify = engine.notify, let interval = notify.watchdogInterval {
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            let budget = engine.pipeline.watch.inputTimeout
            let grace = max(10, engine.pipeline.watch.pollInterval * 4)
            let watchdog = Thread {
                while !stop.isSet {
                    if engine.liveness.isAlive(now: WatchEngine.now(), loopGrace: grace, budget: budget) {
                        notify.send("WATCHDOG=1")
                    }
                    usleep(UInt32(min(seconds, 30) * 1_000_000))
                }
            }
            watchdog.name = "mmprep-watchdog"
            watchdog.start()
        }
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    engine.run(stop: stop, reload: reload)
                    if let error = engine.fatalErrorExit {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume()
                    }
                }
                thread.name = "mmprep-watch"
                thread.stackSize = 8 << 20
                thread.start()
            }
        } onGracefulShutdown: {
            stop.set()
        }
    }
}
