/// The messages of one sample, where they came from, and the media they name in order.
public struct Conversation: Sendable, Equatable {
    public enum Source: String, Sendable, Equatable {
        /// Qwen/transformers `{"messages": [{"role", "content": str | [parts]}]}`.
        case messages
        /// LLaMA-Factory ShareGPT: `conversations` (or role-tagged `messages`) with `<image>`/`<video>` tags and media lists.
        case shareGPT
        /// A plain caption and its media (see `caption(_:media:)`).
        case caption
    }

    public var messages: [Message]
    public var source: Source
    /// For `.caption`, the caption text as given (what `text.mode: raw` writes).
    public var caption: String?
    /// The messages in the `messages` format, for records: the JSON as read for `.messages`,
    /// built from the model for the other sources.
    public var json: JSONValue

    public init(messages: [Message], source: Source, caption: String? = nil, json: JSONValue? = nil) {
        self.messages = messages
        self.source = source
        self.caption = caption
        self.json = json ?? .array(messages.map(\.json))
    }

    /// Every image and video part, in message order (the order the processor pairs them with
    /// `<|image_pad|>` / `<|video_pad|>` placeholders).
    public var mediaParts: [ContentPart] {
        messages.flatMap { m -> [ContentPart] in
            guard case .parts(let parts) = m.content else { return [] }
            return parts.filter { $0.media != nil }
        }
    }

    public var images: [MediaRef] {
        mediaParts.compactMap { if case .image(let m) = $0 { m } else { nil } }
    }

    public var videos: [MediaRef] {
        mediaParts.compactMap { if case .video(let m) = $0 { m } else { nil } }
    }

    /// A caption turned into a conversation:
    ///
    ///     [{"role": "user", "content": [media parts, in the given order]},
    ///      {"role": "assistant", "content": [{"type": "text", "text": caption}]}]
    ///
    /// No text goes in the user turn and no system turn is added (the Qwen2/2.5-VL templates add
    /// their default one when rendering).
    public static func caption(_ text: String, media: [ContentPart]) -> Conversation {
        let user = Message(role: "user", content: .parts(media.filter { $0.media != nil }))
        let assistant = Message(role: "assistant", content: .parts([.text(text)]))
        return Conversation(messages: [user, assistant], source: .caption, caption: text)
    }
}
