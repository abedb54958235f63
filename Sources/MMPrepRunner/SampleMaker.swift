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
        let input = FileDescriptorReader(fd: 0)
        guard let hello = try input.frame(),
              let o = try JSONSerialization.jsonObject(with: Data(hello)) as? [String: Any],
              let yaml = o["pipeline"] as? String else {
            throw SampleWire.Malformed(what: "handshake")
        }
        let pipeline = try PipelineLoader.parse(yaml: yaml, source: "decode-worker handshake")
        let policy = PathPolicy(allowedRoots: o["roots"] as? [String] ?? [])
        let cpuLimit = (o["cpu_limit"] as? NSNumber)?.doubleValue ?? 600
        let builder = SampleBuilder(pipeline: pipeline, policy: policy, logger: logger)
        while let request = try input.frame() {
            limitCPU(seconds: cpuLimit)
            let reply = SampleWire.reply(builder.build(try SampleWire.source(from: request)))
            try writeAll(fd: 1, SampleWire.le(UInt64(reply.count)) + reply)
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

    static func writeAll(fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SampleWire.Malformed(what: "write: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }
}

/// Length-framed reads from a descriptor.
struct FileDescriptorReader {
    let fd: Int32

    /// The next frame, or nil at end of file.
    func frame() throws -> [UInt8]? {
        guard let header = try exactly(8) else { return nil }
        let count = Int(SampleWire.readLE(header, at: 0))
        guard count < 1 << 40, let body = try exactly(count) else { throw SampleWire.Malformed(what: "truncated frame") }
        return body
    }

    private func exactly(_ count: Int) throws -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SampleWire.Malformed(what: "read: \(String(cString: strerror(errno)))") }
            if n == 0 {
                if got == 0 { return nil }
                throw SampleWire.Malformed(what: "truncated frame")
            }
            got += n
        }
        return out
    }
}
