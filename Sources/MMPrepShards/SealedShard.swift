/// A shard whose bytes are all written (`ShardWriter.seal`/`addSealing`) but not yet durable
/// under its final name: `finish()` fsyncs it, hashes it, renames it into place and returns what
/// the index records. It owns its files, which the writer no longer touches, so `finish()` may
/// run on another thread while the writer fills the next shard; dropping an unfinished shard
/// removes its temporary file.
public final class SealedShard: @unchecked Sendable {
    private let work: () throws -> CommittedShard
    private var done = false

    init(_ work: @escaping () throws -> CommittedShard) { self.work = work }

    /// Runs once; call it from one thread at a time.
    public func finish() throws -> CommittedShard {
        precondition(!done, "a sealed shard is finished once")
        done = true
        return try work()
    }
}
