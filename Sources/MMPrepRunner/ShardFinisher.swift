import Foundation
import MMPrepShards

/// Finishes one sealed shard (fsync, sha256, rename) on a thread of its own, so that the run
/// goes on decoding and writing the next shard meanwhile; `wait()` gives the committed shard or
/// the error.
final class ShardFinisher: @unchecked Sendable {
    private let condition = NSCondition()
    /// Touched only by the finishing thread once it has started.
    private var sealed: SealedShard?
    private var result: Result<CommittedShard, any Error>?

    init(_ sealed: SealedShard) {
        self.sealed = sealed
        let thread = Thread { [self] in run() }
        thread.name = "mmprep-shard-finish"
        thread.start()
    }

    private func run() {
        let r = Result { try sealed!.finish() }
        // Released before waking the waiter, so an unfinished shard's temporary file is gone by
        // then (the run may be about to exit on an error).
        sealed = nil
        condition.lock()
        result = r
        condition.broadcast()
        condition.unlock()
    }

    func wait() throws -> CommittedShard {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
