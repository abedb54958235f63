/// `index.json` at a dataset's root (docs/shard-format.md), written atomically.
public struct DatasetIndex: Sendable {
    public var shards: [CommittedShard]
    /// The resolved pipeline, already rendered as a JSON object.
    public var pipelineJSON: String
    public var versions: [(String, String)]
    public var ok: Int
    public var failed: Int
    public var skipped: Int
    public var worker: (index: Int, count: Int)?
    /// Extra top-level fields (already-rendered JSON values), e.g. the service's `duplicates`.
    public var extra: [(String, String)]

    public init(shards: [CommittedShard], pipelineJSON: String, versions: [(String, String)], ok: Int, failed: Int,
                skipped: Int, worker: (index: Int, count: Int)? = nil, extra: [(String, String)] = []) {
        self.shards = shards
        self.pipelineJSON = pipelineJSON
        self.versions = versions
        self.ok = ok
        self.failed = failed
        self.skipped = skipped
        self.worker = worker
        self.extra = extra
    }

    public var json: String {
        var fields: [(String, String)] = [
            ("format", JSONText.string("mmprep-dataset")),
            ("version", "1"),
            ("shards", "[" + shards.map(\.json).joined(separator: ",") + "]"),
            ("pipeline", pipelineJSON),
            ("versions", JSONText.object(versions.map { ($0.0, JSONText.string($0.1)) })),
            ("counts", JSONText.object([("ok", String(ok)), ("failed", String(failed)), ("skipped", String(skipped))])),
        ]
        if let worker {
            fields.append(("worker", JSONText.object([("index", String(worker.index)), ("count", String(worker.count))])))
        }
        return JSONText.object(fields + extra)
    }

    public func write(to directory: String) throws {
        try AtomicFile.write(Array((json + "\n").utf8), to: directory + "/index.json")
    }
}
