import MMPrepDataset

/// Files claimed together and moved from the inbox into processing/: a media file with its
/// sidecars, or a manifest with the media files it names. The group is finished (its files
/// removed, or moved to done/ or failed/) when every sample it makes is committed or failed.
final class ClaimedGroup {
    enum Kind: String { case media, manifest }

    /// The store's claim id.
    let id: Int64
    let kind: Kind
    /// Paths relative to the inbox and to processing/, the primary file first.
    let files: [String]
    /// Samples neither committed nor failed yet.
    var pending = 0
    var succeeded = 0
    var failed = 0

    init(id: Int64, kind: Kind, files: [String]) {
        self.id = id
        self.kind = kind
        self.files = files
    }

    var primary: String { files[0] }
}

/// One sample to build: a media file (with its sidecars) or one manifest record.
struct WorkUnit {
    /// The state store's key: the media file's sha256, or `MANIFEST_SHA256:LINE`.
    var stateKey: String
    /// For logs and reports: `REL` or `REL:LINE`.
    var name: String
    var source: SampleSource
    var group: ClaimedGroup
    /// Monotonic time before which it is not tried (after an I/O error).
    var notBefore: Double = 0
}
