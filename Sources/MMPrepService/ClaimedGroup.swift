/// A media file and its sidecars, moved from the inbox into processing/.
struct ClaimedGroup {
    /// Path of the media file relative to the inbox (and to processing/).
    var relativeMedia: String
    /// Every claimed file, relative (media first).
    var relativeFiles: [String]
    var sha256: String
    var bytes: Int
    var key: String
    var claimedAt: Double
}
