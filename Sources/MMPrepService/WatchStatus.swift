import Foundation
import MMPrepShards

/// What `mmprep status` shows besides the state store: written by the daemon to
/// `STATE/status.json` on every loop.
public struct WatchStatus: Sendable {
    public var pid: Int32
    public var queued: Int
    public var working: Int
    /// Inputs failed since the service started.
    public var failed: Int
    public var paused: String?
    public var polling: Bool
    public var filesPerSecond: Double
    public var samplesTotal: Int
    public var updatedAt: Date

    public var json: String {
        JSONText.object([
            ("pid", String(pid)), ("queued", String(queued)), ("working", String(working)),
            ("failed", String(failed)),
            ("paused", paused.map(JSONText.string) ?? "null"), ("polling", polling ? "true" : "false"),
            ("files_per_second", JSONText.number(filesPerSecond)), ("samples_total", String(samplesTotal)),
            ("updated_at", JSONText.number(updatedAt.timeIntervalSince1970)),
        ])
    }

    /// The `STATUS=` line for systemd.
    public var systemdLine: String {
        if let paused { return "STATUS=paused: \(paused); queued \(queued), failed \(failed)" }
        return "STATUS=queued \(queued), working \(working), failed \(failed), "
            + "\(String(format: "%.1f", filesPerSecond)) files/s"
    }
}
