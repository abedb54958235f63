/// One chat message as the Qwen chat templates see it.
public struct Message: Sendable, Equatable {
    /// `system`, `user`, `assistant` or `tool` (the parser accepts nothing else).
    public var role: String
    public var content: MessageContent
    /// The message's `reasoning_content` (or its older names `thinking` / `reasoning`), which
    /// only the Qwen3.5 template reads.
    public var reasoning: String?

    public init(role: String, content: MessageContent, reasoning: String? = nil) {
        self.role = role
        self.content = content
        self.reasoning = reasoning
    }

    /// The message in the Qwen/transformers `messages` format.
    public var json: JSONValue {
        var object = JSONObject()
        object["role"] = .string(role)
        switch content {
        case .string(let s): object["content"] = .string(s)
        case .parts(let parts): object["content"] = .array(parts.map(\.json))
        }
        if let reasoning { object["reasoning_content"] = .string(reasoning) }
        return .object(object)
    }
}

/// A message's content: a plain string, or a list of text, image and video parts.
public enum MessageContent: Sendable, Equatable {
    case string(String)
    case parts([ContentPart])
}

/// One item of list content.
public enum ContentPart: Sendable, Equatable {
    case text(String)
    case image(MediaRef)
    case video(MediaRef)

    /// The part in the `messages` format: the original JSON for media read from a record,
    /// else `{"type": "text", "text": ...}` / `{"type": "image", "image": PATH}` / `{"type": "video", "video": PATH}`.
    public var json: JSONValue {
        switch self {
        case .text(let t): .object(JSONObject(["type": .string("text"), "text": .string(t)]))
        case .image(let m): m.json
        case .video(let m): m.json
        }
    }

    public var media: MediaRef? {
        switch self {
        case .text: nil
        case .image(let m), .video(let m): m
        }
    }
}
