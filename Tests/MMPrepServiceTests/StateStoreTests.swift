import Foundation
import MMPrepService
import Testing

struct StateStoreTests {
    static func store() throws -> (StateStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try StateStore(path: dir + "/state.sqlite"), dir)
    }

    @Test func claimsCommitsAndDuplicates() throws {
        let (store, _) = try Self.store()
        #expect(try store.claim(sha256: "aa", name: "a.jpg", bytes: 10) == nil)
        #expect(try store.claim(sha256: "bb", name: "b.jpg", bytes: 20) == nil)
        #expect(try store.inputs(in: .processing).map(\.name) == ["a.jpg", "b.jpg"])
        try store.commit(shard: "shard-000000.safetensors", samples: 2, rows: 10, bytes: 100, sha256: "ff",
                         inputs: ["aa", "bb"])
        #expect(try store.inputs(in: .done).count == 2)
        #expect(try store.input(sha256: "aa")?.shard == "shard-000000.safetensors")
        // The same content again is a duplicate, not new work.
        #expect(try store.claim(sha256: "aa", name: "copy-of-a.jpg", bytes: 10) == .done)
        try store.recordDuplicate(sha256: "aa", name: "copy-of-a.jpg")
        let s = try store.summary()
        #expect(s.counts["done"] == 2 && s.duplicates == 1 && s.shards == 1 && s.lastShard == "shard-000000.safetensors")
    }

    @Test func reclaimingAnInputInFlightCountsAttempts() throws {
        let (store, dir) = try Self.store()
        _ = try store.claim(sha256: "cc", name: "c.mp4", bytes: 5)
        // A restart re-runs what was in flight: the same content comes back as processing.
        let reopened = try StateStore(path: dir + "/state.sqlite")
        #expect(try reopened.claim(sha256: "cc", name: "c.mp4", bytes: 5) == .processing)
        #expect(try reopened.input(sha256: "cc")?.attempts == 2)
        try reopened.markFailed(sha256: "cc", error: "decode: corrupt")
        #expect(try reopened.inputs(in: .failed).first?.error == "decode: corrupt")
    }

    @Test func aCommitIsAllOrNothing() throws {
        let (store, _) = try Self.store()
        _ = try store.claim(sha256: "dd", name: "d.jpg", bytes: 1)
        try store.commit(shard: "shard-000001.safetensors", samples: 1, rows: 1, bytes: 1, sha256: "x", inputs: ["dd"])
        // A commit naming an input that is already done (or unknown) fails as a whole:
        // neither the shard nor the other input is recorded.
        _ = try store.claim(sha256: "ee", name: "e.jpg", bytes: 1)
        #expect(throws: StateStoreError.self) {
            try store.commit(shard: "shard-000002.safetensors", samples: 2, rows: 2, bytes: 2, sha256: "y",
                             inputs: ["ee", "dd"])
        }
        #expect(try store.input(sha256: "ee")?.state == .processing)
        #expect(try store.shardNames() == ["shard-000001.safetensors"])
    }
}

/// Crash counting and claim records, on a real SQLite file.
struct StateStoreCrashTests {
    @Test func aDeathWhileDecodingCountsOneCrashPerStart() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).sqlite").path
        do {
            let store = try StateStore(path: path)
            _ = try store.claim(sha256: "aa", name: "a.mp4", bytes: 1)
            _ = try store.claim(sha256: "bb", name: "b.mp4", bytes: 1)
            try store.beginDecode(sha256: "aa")
            try store.beginDecode(sha256: "bb")
            try store.endDecode(sha256: "bb")
        }
        let store = try StateStore(path: path)
        #expect(try store.countCrashes() == ["aa": 1])
        #expect(try store.countCrashes() == ["aa": 1])   // counted once per death
        try store.beginDecode(sha256: "aa")
        #expect(try store.countCrashes() == ["aa": 2])
        #expect(try store.input(sha256: "aa")?.crashes == 2)
    }

    @Test func claimsAreRecordedNarrowedAndFinished() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).sqlite").path
        let store = try StateStore(path: path)
        let id = try store.recordClaim(kind: "manifest", files: ["m.jsonl", "a.jpg", "b.jpg"])
        try store.updateClaim(id: id, files: ["m.jsonl", "a.jpg"])
        let claims = try store.openClaims()
        #expect(claims.map(\.id) == [id] && claims.map(\.kind) == ["manifest"])
        #expect(claims.first?.files == ["m.jsonl", "a.jpg"])
        try store.finishClaim(id: id)
        #expect(try store.openClaims().isEmpty)
    }
}
