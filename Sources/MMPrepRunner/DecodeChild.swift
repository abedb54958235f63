#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import MMPrepDataset
import MMPrepPipeline
import MMPrepShards

/// One decoding child process (`mmprep decode-worker`), started from this very executable with
/// an empty environment, talking over two pipes. It builds one sample per request; if it dies
/// (a crash in a C library, RLIMIT_AS or RLIMIT_CPU) or overruns its wall-clock budget, that
/// one input fails and the next request starts a fresh child.
final class DecodeChild {
    struct Died: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var pid: pid_t = 0
    private var toChild: Int32 = -1
    private var fromChild: Int32 = -1
    let handshake: [UInt8]
    let memoryLimit: Int
    let wallLimit: Double

    /// - Parameters: `handshake`: the pipeline (YAML) and the allowed roots, sent once.
    init(handshake: [UInt8], memoryLimit: Int, wallLimit: Double) {
        self.handshake = handshake
        self.memoryLimit = memoryLimit
        self.wallLimit = wallLimit
    }

    deinit { stop() }

    static var executable: String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    private func start() throws {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard mm_pipe_cloexec(&input) == 0, mm_pipe_cloexec(&output) == 0 else {
            throw Died(description: "pipe2: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        mm_spawn_closefrom(&actions, 3)
        let exe = Self.executable
        let args = [exe, "decode-worker", "--memory-limit", String(memoryLimit)]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = [nil]    // a clean environment
        #if DEBUG
        // The test switch that makes a decoder crash travels into the child (debug builds only).
        if let v = ProcessInfo.processInfo.environment["MMPREP_DEBUG_ABORT_DECODING"] {
            envp = [strdup("MMPREP_DEBUG_ABORT_DECODING=" + v), nil]
        }
        #endif
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, exe, &actions, nil, &argv, &envp)
        close(input[0])
        close(output[1])
        guard rc == 0 else {
            close(input[1])
            close(output[0])
            throw Died(description: "posix_spawn \(exe): \(String(cString: strerror(rc)))")
        }
        pid = child
        toChild = input[1]
        fromChild = output[0]
        try send(handshake)
    }

    /// Kills and reaps the child (if any).
    func stop() {
        if toChild >= 0 { close(toChild); toChild = -1 }
        if fromChild >= 0 { close(fromChild); fromChild = -1 }
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = 0
        }
    }

    /// Builds one sample in the child.
    func build(_ source: SampleSource) -> Result<ShardSample, SampleFailure> {
        func failure(_ stage: SampleFailure.Stage, _ message: String, reason: String) -> Result<ShardSample, SampleFailure> {
            .failure(SampleFailure(key: source.key, path: source.displayPath, stage: stage, error: message, reason: reason))
        }
        do {
            if pid == 0 { try start() }
            try send(SampleWire.request(source))
            let reply = try receive(deadline: Date().addingTimeInterval(wallLimit))
            return try SampleWire.result(from: reply)
        } catch let e as Died {
            let why = reap() ?? e.description
            return failure(.decode, "\(source.displayPath): the decoding process \(why)", reason: "crashed")
        } catch TimedOut.timedOut {
            stop()
            return failure(.decode, "\(source.displayPath): timeout: decoding took longer than \(Int(wallLimit)) s "
                           + "(decode.cpu_limit); the decoding process was killed", reason: "timeout")
        } catch {
            stop()
            return failure(.decode, "\(source.displayPath): \(error)", reason: "io")
        }
    }

    enum TimedOut: Error { case timedOut }

    /// After a broken pipe: how the child ended, in words, and a clean slate for the next start.
    private func reap() -> String? {
        guard pid > 0 else { return nil }
        if toChild >= 0 { close(toChild); toChild = -1 }
        if fromChild >= 0 { close(fromChild); fromChild = -1 }
        var status: Int32 = 0
        var r: pid_t
        repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
        pid = 0
        guard r > 0 else { return nil }
        let signal = status & 0x7f
        if signal != 0 {
            return "died of signal \(signal) (\(String(cString: strsignal(signal))))"
                + (signal == SIGXCPU ? ": decode.cpu_limit reached"
                   : " (decode.memory_limit is \(memoryLimit) bytes; an allocation above it aborts)")
        }
        return "exited with status \((status >> 8) & 0xff)"
    }

    private func send(_ payload: [UInt8]) throws {
        do {
            try FramedPipe(fd: toChild).send(payload)
        } catch {
            throw Died(description: error.description)
        }
    }

    private func receive(deadline: Date) throws -> [UInt8] {
        let reply: [UInt8]?
        do {
            reply = try FramedPipe(fd: fromChild).receive(deadline: deadline)
        } catch .timedOut {
            throw TimedOut.timedOut
        } catch {
            throw Died(description: error.description)
        }
        guard let reply else { throw Died(description: "closed its output") }
        return reply
    }
}
