import Foundation
import MMPrepShards

/// Prometheus counters and a processing-time histogram, written in the text exposition format
/// for node_exporter's textfile collector.
final class Metrics {
    var files = 0
    var samples = 0
    var shards = 0
    var bytes = 0
    var duplicates = 0
    var failures: [String: Int] = [:]
    static let bucketBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
    var buckets = [Int](repeating: 0, count: bucketBounds.count)
    var count = 0
    var sum = 0.0

    func observe(seconds: Double) {
        for (i, b) in Self.bucketBounds.enumerated() where seconds <= b { buckets[i] += 1 }
        count += 1
        sum += seconds
    }

    var text: String {
        var out = ""
        func counter(_ name: String, _ help: String, _ value: Int) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(value)\n"
        }
        counter("mmprep_files_total", "Input files claimed.", files)
        counter("mmprep_samples_total", "Samples written into committed shards.", samples)
        counter("mmprep_shards_total", "Shards committed.", shards)
        counter("mmprep_shard_bytes_total", "Bytes of committed shards.", bytes)
        counter("mmprep_duplicates_total", "Inputs whose content was already done.", duplicates)
        out += "# HELP mmprep_failures_total Inputs that failed, by stage.\n# TYPE mmprep_failures_total counter\n"
        for stage in ["input", "decode", "sample", "resize", "text", "write"] {
            out += "mmprep_failures_total{stage=\"\(stage)\"} \(failures[stage] ?? 0)\n"
        }
        out += "# HELP mmprep_processing_seconds Time to turn one input into a sample.\n"
        out += "# TYPE mmprep_processing_seconds histogram\n"
        for (i, b) in Self.bucketBounds.enumerated() {
            out += "mmprep_processing_seconds_bucket{le=\"\(b)\"} \(buckets[i])\n"
        }
        out += "mmprep_processing_seconds_bucket{le=\"+Inf\"} \(count)\n"
        out += "mmprep_processing_seconds_sum \(JSONText.number(sum))\nmmprep_processing_seconds_count \(count)\n"
        return out
    }

    /// Where the text goes: the textfile collector's file, and the port's snapshot if one is served.
    var snapshot: MetricsSnapshot?

    func publish(to path: String) {
        let t = text
        snapshot?.set(t)
        try? AtomicFile.write(Array(t.utf8), to: path)
    }
}
