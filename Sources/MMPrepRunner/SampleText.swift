import MMPrepPipeline
import MMPrepShards
import MMPrepText

/// One image or video a sample names, resolved to a file, in placeholder order.
struct SampleMedia: Sendable {
    var written: String
    var path: String
    var kind: MMPrepText.MediaKind
    var options: MMPrepText.MediaOptions
}

/// A sample's conversation and the media it names, resolved.
struct SampleText: Sendable {
    var conversation: Conversation
    var media: [SampleMedia]

    /// Media in the order the placeholders appear (images and videos interleaved).
    static func media(of conversation: Conversation, resolve: (String) throws -> String) rethrows -> [SampleMedia] {
        try conversation.mediaParts.compactMap { part -> SampleMedia? in
            switch part {
            case .image(let ref): SampleMedia(written: ref.path, path: try resolve(ref.path), kind: .image, options: ref.options)
            case .video(let ref): SampleMedia(written: ref.path, path: try resolve(ref.path), kind: .video, options: ref.options)
            case .text: nil
            }
        }
    }

    /// A media file with an optional caption: the caption convention of MMPrepText.
    static func caption(_ caption: String, media path: String, kind: MMPrepText.MediaKind) -> SampleText {
        let ref = MediaRef(path: path, kind: kind)
        let part: ContentPart = kind == .image ? .image(ref) : .video(ref)
        let conversation = Conversation.caption(caption, media: [part])
        return SampleText(conversation: conversation,
                          media: [SampleMedia(written: path, path: path, kind: kind, options: MediaOptions())])
    }

    /// A messages sidecar beside a media file. Its media parts name files relative to the
    /// sidecar's folder; a sidecar with no media part gets the sample's media prepended to its
    /// first user turn.
    static func sidecar(json: String, media path: String, kind: MMPrepText.MediaKind,
                        resolve: (String) throws -> String) throws -> SampleText {
        var conversation = try MessagesParser.parse(record: try JSONValue.parse(json))
        if conversation.mediaParts.isEmpty {
            let ref = MediaRef(path: path, kind: kind)
            let part: ContentPart = kind == .image ? .image(ref) : .video(ref)
            guard let u = conversation.messages.firstIndex(where: { $0.role == "user" }) else {
                throw ConvertError("the messages have no user turn to attach \(path) to")
            }
            var message = conversation.messages[u]
            switch message.content {
            case .string(let s): message.content = .parts([part, .text(s)])
            case .parts(let parts): message.content = .parts([part] + parts)
            }
            conversation.messages[u] = message
            conversation = Conversation(messages: conversation.messages, source: conversation.source,
                                        caption: conversation.caption)
            return SampleText(conversation: conversation,
                              media: [SampleMedia(written: path, path: path, kind: kind, options: MediaOptions())])
        }
        return SampleText(conversation: conversation, media: try media(of: conversation, resolve: resolve))
    }

    /// One manifest record.
    static func manifest(json: String, resolve: (String) throws -> String) throws -> SampleText {
        let conversation = try MessagesParser.parse(record: try JSONValue.parse(json))
        return SampleText(conversation: conversation, media: try media(of: conversation, resolve: resolve))
    }

    /// The rendered text: the family's chat template with each placeholder expanded, or the raw caption.
    func render(family: MMPrepPipeline.ModelFamily, settings: TextSettings, vision: VisionTokens) throws -> String {
        let mode: TextRenderer.Mode = settings.mode == .raw ? .raw : .chat
        return try TextRenderer.render(conversation, mode: mode, family: try MMPrepText.ModelFamily.named(family.rawValue),
                                       vision: vision,
                                       options: RenderOptions(addGenerationPrompt: settings.addGenerationPrompt,
                                                              addVisionID: settings.addVisionID))
    }

    /// The messages as read (or as built from a caption), compact JSON.
    var messagesJSON: String { conversation.json.serialized() }
}

extension Pipeline {
    /// The pipeline with one item's own settings applied (as qwen-vl-utils applies them).
    func applying(_ o: MMPrepText.MediaOptions) -> Pipeline {
        guard o != MMPrepText.MediaOptions() else { return self }
        var p = self
        if let v = o.fps { p.video.fps = v; p.video.frames = nil }
        if let v = o.nframes { p.video.frames = v }
        if let v = o.videoStart { p.video.start = v }
        if let v = o.videoEnd { p.video.end = v }
        if let v = o.minPixels { p.image.minPixels = v; p.video.minPixels = v }
        if let v = o.maxPixels {
            p.image.maxPixels = v
            if p.video.sizing == .qwenVLUtils { p.video.itemMaxPixels = v } else { p.video.maxPixels = v }
        }
        return p
    }
}
