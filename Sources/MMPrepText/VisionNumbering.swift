/// What the chat templates write for one content part, with their shared
/// `Picture N: ` / `Video N: ` numbering (`add_vision_id`).
struct VisionNumbering {
    let addVisionID: Bool
    private(set) var images = 0
    private(set) var videos = 0

    init(addVisionID: Bool) {
        self.addVisionID = addVisionID
    }

    /// `count: false` writes the part without advancing the numbering (Qwen3.5 renders the
    /// system turn's parts without counting them).
    mutating func render(_ part: ContentPart, count: Bool = true) -> String {
        switch part {
        case .image:
            if count { images += 1 }
            return (addVisionID ? "Picture \(images): " : "") + ChatTemplate.imageBlock
        case .video:
            if count { videos += 1 }
            return (addVisionID ? "Video \(videos): " : "") + ChatTemplate.videoBlock
        case .text(let t):
            return t
        }
    }
}
