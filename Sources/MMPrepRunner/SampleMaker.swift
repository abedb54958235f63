#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MMPrepDataset
import MMPrepPipeline
import MMPrepShards

/// Builds samples where the pipeline says (`decode.isolation`): in this process, or in decoding
/// child processes, one per worker thread at a time. Safe to call from several threads.
public final class SampleMaker: @unchecked Sendable {
    let builder: SampleBuilder
    let pipeline: Pipeline
    private let lock = NSLock()
    private var idle: [DecodeChild] = []
    private let handshake: [UInt8]

    public init(pipeline: Pipeline, policy: PathPolicy, logger: Logger) {
        self.pipeline = pipeline
        builder = SampleBuilder(pipeline: pipeline, policy: policy, logger: logger)
        handshake = Array(JSONText.object([
            ("pipeline", JSONText.string(PipelineLoader.render(pipeline))),
            ("roots", JSONText.array(policy.allowedRoots)),
            ("cpu_limit", JSONText.number(pipeline.decode.cpuLimit)),
        ]).utf8)
    }

    public var isolated: Bool { pipeline.decode.isolation == .process }

    public func build(_ source: SampleSource) -> Result<ShardSample, SampleFailure> {
        guard isolated else { return builder.build(source) }
        lock.lock()
        let child = idle.popLast() ?? DecodeChild(handshake: handshake, memoryLimit: pipeline.decode.memoryLimit,
                                                  wallLimit: pipeline.decode.cpuLimit)
        lock.unlock()
        let result = child.build(source)
        lock.lock()
        idle.append(child)
        lock.unlock()
        return result
    }
}

/// The child's side (`mmprep decode-worker`): reads the handshake, then one request after the
/// other from fd 0, and writes each reply to fd 1. Exits when fd 0 closes.
public enum DecodeWorkerLoop {
    public static func run(logger: Logger) throws {
        let input = FramedPipe(fd: 0)
        let output = FramedPipe(fd: 1)
        guard let hello = try input.receive(),
              let o = try JSONSerialization.jsonObject(with: Data(hello)) as? [String: Any],
              let yaml = o["pipeline"] as? String else {
            throw SampleWire.Malformed(what: "handshake")
        }
        let pipeline = try PipelineLoader.parse(yaml: yaml, source: "decode-worker handshake")
        let policy = PathPolicy(allowedRoots: o["roots"] as? [String] ?? [])
        let cpuLimit = (o["cpu_limit"] as? NSNumber)?.doubleValue ?? 600
        let builder = SampleBuilder(pipeline: pipeline, policy: policy, logger: logger)
        while let request = try input.receive() {
            limitCPU(seconds: cpuLimit)
            let reply = SampleWire.reply(builder.build(try SampleWire.source(from: request)))
            try output.send(reply)
        }
    }

    /// RLIMIT_CPU for the next input: the CPU time used so far plus the budget (SIGXCPU after).
    static func limitCPU(seconds: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let used = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1
        var limit = rlimit(rlim_cur: rlim_t(used + seconds.rounded(.up)), rlim_max: rlim_t.max)
        setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &limit)
    }

    /// RLIMIT_AS for the whole child.
    public static func limitMemory(bytes: Int) {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    }
}
