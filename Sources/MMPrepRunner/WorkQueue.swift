import Foundation

/// Runs blocking work (FFmpeg decoding, resizing) on its own threads, off Swift's cooperative
/// pool, and hands results back strictly in input order.
///
/// At most `window` items are in flight or waiting to be collected, so memory stays bounded
/// whatever the speed of the consumer.
final class OrderedWorkQueue<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Int: Result] = [:]
    private var nextToStart: Int
    private var nextToCollect: Int
    private let end: Int
    private let window: Int
    private var cancelled = false
    private var threads: [Thread] = []
    /// Worker threads that have not returned yet.
    private var running = 0

    /// Processes ordinals `start..<end` with `workers` threads calling `work`.
    init(start: Int, end: Int, workers: Int, window: Int, work: @escaping @Sendable (Int) -> Result) {
        self.nextToStart = start
        self.nextToCollect = start
        self.end = end
        self.window = max(window, workers)
        running = max(1, workers)
        for i in 0..<max(1, workers) {
            let t = Thread { [unowned self] in self.run(work) }
            t.name = "mmprep-worker-\(i)"
            t.stackSize = 8 << 20
            threads.append(t)
        }
        threads.forEach { $0.start() }
    }

    private func run(_ work: @Sendable (Int) -> Result) {
        while true {
            condition.lock()
            while !cancelled && nextToStart < end && nextToStart >= nextToCollect + window {
                condition.wait()
            }
            if cancelled || nextToStart >= end {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let ordinal = nextToStart
            nextToStart += 1
            condition.unlock()
            let result = work(ordinal)
            condition.lock()
            // After a cancel the result is dropped here, with whatever it holds (spool files).
            if !cancelled { results[ordinal] = result }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next result in order, or nil when all are collected (or the queue was cancelled).
    func next() -> (Int, Result)? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextToCollect < end && results[nextToCollect] == nil {
            condition.wait()
        }
        guard !cancelled, nextToCollect < end, let r = results.removeValue(forKey: nextToCollect) else { return nil }
        let ordinal = nextToCollect
        nextToCollect += 1
        condition.broadcast()
        return (ordinal, r)
    }

    /// Cancels, waits for every worker thread to return (work in progress finishes first) and
    /// drops the results not collected, so that what they hold is released before this returns.
    /// Also what a finished run calls, so that no worker outlives the queue.
    func shutDown() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        results.removeAll()
        condition.unlock()
    }
}
