#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Progress on standard error: a live line on a terminal (items, rate, ETA, failures),
/// a plain line every few seconds otherwise, and a summary at the end.
public final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let isTTY: Bool
    private let interval: TimeInterval
    private let enabled: Bool
    private var total = 0
    private var done = 0
    private var startDone = 0
    private var failed = 0
    private var started = Date()
    private var lastPrint = Date.distantPast

    public init(label: String, enabled: Bool = true, plainInterval: TimeInterval = 5) {
        self.label = label
        self.enabled = enabled
        self.isTTY = isatty(STDERR_FILENO) == 1
        self.interval = isatty(STDERR_FILENO) == 1 ? 0.25 : plainInterval
    }

    public func begin(total: Int, done: Int, failed: Int) {
        lock.lock(); defer { lock.unlock() }
        self.total = total
        self.done = done
        self.startDone = done
        self.failed = failed
        started = Date()
    }

    public func advance(failed: Int) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        self.failed = failed
        let now = Date()
        if now.timeIntervalSince(lastPrint) >= interval {
            lastPrint = now
            emit(line(now: now), final: false)
        }
    }

    public func finish() {
        lock.lock(); defer { lock.unlock() }
        emit(line(now: Date()), final: true)
    }

    private func line(now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(started), 1e-6)
        let rate = Double(done - startDone) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let eta = rate > 0 ? Self.clock(remaining) : "--:--"
        return "\(label) \(done)/\(total) items  \(String(format: "%.1f", rate))/s  ETA \(eta)  failures \(failed)"
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func emit(_ text: String, final: Bool) {
        guard enabled else { return }
        let out = isTTY ? "\r\u{1B}[K" + text + (final ? "\n" : "") : text + "\n"
        FileHandle.standardError.write(Data(out.utf8))
    }
}
