import Foundation
import GRDB
import MMPrepShards

public struct StateStoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The service's memory, in SQLite (`STATE/state.sqlite`): every claimed input keyed by the
/// sha256 of its contents, the shards committed, and the inputs in flight. `mmprep status`
/// reads the same file.
public final class StateStore: Sendable {
    public enum InputState: String, Sendable {
        /// Moved into processing/, not yet in a committed shard.
        case processing
        /// In a committed shard.
        case done
        /// Moved to failed/ with a report.
        case failed
        /// Same content as an input already done; not processed again.
        case duplicate
    }

    public struct Input: Sendable, Equatable {
        public var sha256: String
        public var name: String
        public var bytes: Int
        public var state: InputState
        public var attempts: Int
        public var shard: String?
        public var error: String?
        /// Deaths of the process while this input was being decoded.
        public var crashes: Int
    }

    /// Files claimed together (a media file and its sidecars, or a manifest and its media),
    /// recorded before the renames so that a crash between them cannot split the group.
    public struct Claim: Sendable, Equatable {
        public var id: Int64
        public var kind: String
        /// Paths relative to the inbox (and to processing/), the primary file first.
        public var files: [String]
    }

    let queue: DatabaseQueue

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: config)
        try migrator.migrate(queue)
    }

    var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE input (
                    sha256 TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    shard TEXT,
                    error TEXT,
                    claimed_at REAL NOT NULL,
                    finished_at REAL
                );
                CREATE INDEX input_state ON input(state);
                CREATE TABLE shard (
                    name TEXT PRIMARY KEY,
                    samples INTEGER NOT NULL,
                    rows INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    committed_at REAL NOT NULL
                );
                CREATE TABLE duplicate (
                    name TEXT NOT NULL,
                    sha256 TEXT NOT NULL REFERENCES input(sha256),
                    seen_at REAL NOT NULL
                );
                """)
        }
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE input ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE input ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE claim (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    files TEXT NOT NULL,
                    claimed_at REAL NOT NULL
                );
                """)
        }
        return m
    }

    /// Records a group about to be moved into processing/. Returns its id.
    public func recordClaim(kind: String, files: [String]) throws -> Int64 {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO claim (kind, files, claimed_at) VALUES (?, ?, ?)",
                           arguments: [kind, files.joined(separator: "\n"), Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Narrows a claim to the files actually moved.
    public func updateClaim(id: Int64, files: [String]) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE claim SET files = ? WHERE id = ?", arguments: [files.joined(separator: "\n"), id])
        }
    }

    /// The group is finished: its files were removed or moved to done/ or failed/.
    public func finishClaim(id: Int64) throws {
        try queue.write { db in try db.execute(sql: "DELETE FROM claim WHERE id = ?", arguments: [id]) }
    }

    public func openClaims() throws -> [Claim] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT id, kind, files FROM claim ORDER BY id").map { row in
                let files: String = row["files"]
                return Claim(id: row["id"], kind: row["kind"],
                             files: files.split(separator: "\n", omittingEmptySubsequences: true).map(String.init))
            }
        }
    }

    /// Marks an input as being decoded: if the process dies before `endDecode`, the next start
    /// counts a crash against it.
    public func beginDecode(sha256: String) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE input SET in_flight = 1 WHERE sha256 = ?", arguments: [sha256])
        }
    }

    public func endDecode(sha256: String) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE input SET in_flight = 0 WHERE sha256 = ?", arguments: [sha256])
        }
    }

    /// At start: every input that was being decoded when the process died gets a crash
    /// counted. Returns the crash counts of the inputs concerned.
    public func countCrashes() throws -> [String: Int] {
        try queue.write { db in
            try db.execute(sql: "UPDATE input SET crashes = crashes + 1, in_flight = 0 WHERE in_flight = 1")
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sha256, crashes FROM input WHERE crashes > 0 AND state = 'processing'") {
                out[row["sha256"]] = row["crashes"]
            }
            return out
        }
    }

    /// One more try of an input after an I/O error; returns the number of tries so far.
    public func countAttempt(sha256: String) throws -> Int {
        try queue.write { db in
            try db.execute(sql: "UPDATE input SET attempts = attempts + 1 WHERE sha256 = ?", arguments: [sha256])
            return try Int.fetchOne(db, sql: "SELECT attempts FROM input WHERE sha256 = ?", arguments: [sha256]) ?? 1
        }
    }

    /// Records a claim. Returns the existing state when the content was seen before.
    public func claim(sha256: String, name: String, bytes: Int) throws -> InputState? {
        try queue.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT state FROM input WHERE sha256 = ?", arguments: [sha256]),
               let state = InputState(rawValue: row["state"]) {
                if state == .processing {
                    try db.execute(sql: "UPDATE input SET attempts = attempts + 1, name = ? WHERE sha256 = ?",
                                   arguments: [name, sha256])
                }
                return state
            }
            try db.execute(sql: """
                INSERT INTO input (sha256, name, bytes, state, attempts, claimed_at)
                VALUES (?, ?, ?, 'processing', 1, ?)
                """, arguments: [sha256, name, bytes, Date().timeIntervalSince1970])
            return nil
        }
    }

    /// One transaction: the shard is recorded and its inputs become done.
    public func commit(shard: String, samples: Int, rows: Int, bytes: Int, sha256: String,
                       inputs: [String]) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO shard (name, samples, rows, bytes, sha256, committed_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [shard, samples, rows, bytes, sha256, Date().timeIntervalSince1970])
            for sha in inputs {
                try db.execute(sql: """
                    UPDATE input SET state = 'done', shard = ?, finished_at = ? WHERE sha256 = ? AND state = 'processing'
                    """, arguments: [shard, Date().timeIntervalSince1970, sha])
                guard db.changesCount == 1 else {
                    // Only inputs in flight can enter a shard: anything else would be a second copy.
                    throw StateStoreError(message: "input \(sha) is not in processing; shard \(shard) not committed")
                }
            }
        }
    }

    public func markFailed(sha256: String, error: String) throws {
        try queue.write { db in
            try db.execute(sql: """
                UPDATE input SET state = 'failed', error = ?, finished_at = ?, in_flight = 0 WHERE sha256 = ?
                """,
                           arguments: [error, Date().timeIntervalSince1970, sha256])
        }
    }

    /// Records that a file named `name` repeated content already done.
    public func recordDuplicate(sha256: String, name: String) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO duplicate (name, sha256, seen_at) VALUES (?, ?, ?)",
                           arguments: [name, sha256, Date().timeIntervalSince1970])
        }
    }

    public func input(sha256: String) throws -> Input? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM input WHERE sha256 = ?", arguments: [sha256]).map(Self.input)
        }
    }

    public func inputs(in state: InputState) throws -> [Input] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM input WHERE state = ? ORDER BY name", arguments: [state.rawValue])
                .map(Self.input)
        }
    }

    /// The committed shards, in order, as the dataset index lists them.
    public func committedShards() throws -> [CommittedShard] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM shard ORDER BY name").map { row in
                let name: String = row["name"]
                return CommittedShard(name: name, samples: row["samples"], rows: row["rows"], bytes: row["bytes"],
                                      sha256: row["sha256"],
                                      records: name.hasSuffix(".safetensors") ? String(name.dropLast(12)) + ".jsonl" : nil,
                                      recordsSHA256: nil, keys: [])
            }
        }
    }

    public func shardNames() throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: "SELECT name FROM shard ORDER BY name") }
    }

    public struct Summary: Sendable {
        public var counts: [String: Int]
        public var duplicates: Int
        public var shards: Int
        public var lastShard: String?
        public var lastShardAt: Date?
    }

    public func summary() throws -> Summary {
        try queue.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM input GROUP BY state") {
                counts[row["state"]] = row["n"]
            }
            let dup = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM duplicate") ?? 0
            let shards = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shard") ?? 0
            let last = try Row.fetchOne(db, sql: "SELECT name, committed_at FROM shard ORDER BY committed_at DESC LIMIT 1")
            return Summary(counts: counts, duplicates: dup, shards: shards, lastShard: last?["name"],
                           lastShardAt: (last?["committed_at"] as Double?).map { Date(timeIntervalSince1970: $0) })
        }
    }

    static func input(_ row: Row) -> Input {
        Input(sha256: row["sha256"], name: row["name"], bytes: row["bytes"],
              state: InputState(rawValue: row["state"]) ?? .processing, attempts: row["attempts"],
              shard: row["shard"], error: row["error"], crashes: row["crashes"])
    }
}
