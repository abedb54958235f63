/// The text of one sample: the chat template applied to the messages, then every vision
/// placeholder expanded as the model's processor does — the `text` a training loop would get from
/// `processor(text=processor.apply_chat_template(messages, tokenize=False), images=..., videos=...)`
/// before tokenizing. Or, in raw mode, the caption unchanged.
public enum TextRenderer {
    public enum Mode: String, Sendable, Equatable {
        /// Chat template + placeholder expansion.
        case chat
        /// The caption text as given, nothing added.
        case raw
    }

    /// `ChatTemplate.render` then `PlaceholderExpander.expand`.
    public static func render(_ messages: [Message], family: ModelFamily, vision: VisionTokens,
                              options: RenderOptions = .init()) throws(RenderError) -> String {
        let templated = try ChatTemplate.render(messages, family: family, options: options)
        return try PlaceholderExpander.expand(templated, family: family, vision: vision)
    }

    /// Renders a conversation in the given mode; raw mode needs a caption conversation.
    public static func render(_ conversation: Conversation, mode: Mode, family: ModelFamily, vision: VisionTokens,
                              options: RenderOptions = .init()) throws(RenderError) -> String {
        switch mode {
        case .chat:
            return try render(conversation.messages, family: family, vision: vision, options: options)
        case .raw:
            guard let caption = conversation.caption else {
                throw RenderError("raw text mode needs a caption, but this sample has \(conversation.source.rawValue) messages")
            }
            return caption
        }
    }
}
