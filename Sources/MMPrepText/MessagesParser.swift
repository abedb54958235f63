/// Reads the messages of a record into the message model.
///
/// Accepted records (the first that matches):
///
/// - a bare array: Qwen/transformers messages;
/// - `{"conversations": [{"from": "human"|"gpt"|"system"|"observation", "value": "... <image> ..."}],
///   "images": [...], "videos": [...], "system": "..."}`: LLaMA-Factory ShareGPT (see `ShareGPTConverter`);
/// - `{"messages": [{"role", "content": "... <image> ..."}], "images": [...]}` — a `messages` list
///   next to an `images` or `videos` list: LLaMA-Factory ShareGPT with role tags;
/// - `{"messages": [{"role": ..., "content": "str" | [parts]}]}`: Qwen/transformers messages;
/// - `{"caption": "...", "images": [...], "videos": [...]}`: a caption, see `Conversation.caption`
///   (images first, then videos, in list order).
///
/// Qwen-format parts are classified as the chat templates do: an image if `type == "image"` or it
/// has an `image` or `image_url` key; else a video if `type == "video"` or it has a `video` key;
/// else text if it has a `text` key. Anything else is an error here (the Qwen2/3-VL templates
/// would silently drop it, Qwen3.5's raises). The path is read from `image` / `image_url`
/// (a string or `{"url": ...}`) / `url` / `path`, or `video` / `video_url` / `url` / `path`.
/// Roles must be `system`, `user`, `assistant` or `tool`; assistant `tool_calls` are not supported.
public enum MessagesParser {
    public static let roles: Set<String> = ["system", "user", "assistant", "tool"]

    public static func parse(record: JSONValue) throws(MessagesError) -> Conversation {
        if case .array = record {
            return Conversation(messages: try parseMessages(record, path: "messages"), source: .messages, json: record)
        }
        guard let object = record.objectValue else {
            throw MessagesError(path: "", message: "expected an object or an array of messages, found \(record.typeName)")
        }
        if let turns = object["conversations"] {
            return try ShareGPTConverter.convert(record: object, turns: turns, path: "conversations")
        }
        if let messages = object["messages"] {
            if object.contains("images") || object.contains("videos") {
                return try ShareGPTConverter.convert(record: object, turns: messages, path: "messages")
            }
            return Conversation(messages: try parseMessages(messages, path: "messages"), source: .messages, json: messages)
        }
        if let caption = object["caption"] {
            guard case .string(let text) = caption else {
                throw MessagesError(path: "caption", message: "expected a string, found \(caption.typeName)")
            }
            let images = try ShareGPTConverter.mediaList(object, "images")
            let videos = try ShareGPTConverter.mediaList(object, "videos")
            let media = images.map { ContentPart.image(MediaRef(path: $0, kind: .image)) }
                + videos.map { ContentPart.video(MediaRef(path: $0, kind: .video)) }
            return Conversation.caption(text, media: media)
        }
        throw MessagesError(path: "", message: "found none of \"messages\", \"conversations\" or \"caption\"")
    }

    /// A `messages` array in the Qwen/transformers format.
    public static func parseMessages(_ value: JSONValue, path: String = "messages") throws(MessagesError) -> [Message] {
        guard case .array(let items) = value else {
            throw MessagesError(path: path, message: "expected an array of messages, found \(value.typeName)")
        }
        if items.isEmpty { throw MessagesError(path: path, message: "no messages") }
        var out: [Message] = []
        for (i, item) in items.enumerated() {
            out.append(try parseMessage(item, path: "\(path)[\(i)]"))
        }
        return out
    }

    static func parseMessage(_ value: JSONValue, path: String) throws(MessagesError) -> Message {
        guard let object = value.objectValue else {
            throw MessagesError(path: path, message: "expected an object with \"role\" and \"content\", found \(value.typeName)")
        }
        let role = try role(object["role"], path: path + ".role")
        if let calls = object["tool_calls"], !calls.isNull, calls.arrayValue?.isEmpty != true {
            throw MessagesError(path: path + ".tool_calls", message: "assistant tool calls are not supported")
        }
        let content: MessageContent
        switch object["content"] {
        case .string(let s)?:
            content = .string(s)
        case .array(let parts)?:
            var out: [ContentPart] = []
            for (i, part) in parts.enumerated() {
                out.append(try parsePart(part, path: "\(path).content[\(i)]"))
            }
            content = .parts(out)
        case nil, .null?:
            throw MessagesError(path: path + ".content", message: "missing (expected a string or a list of parts)")
        case let other?:
            throw MessagesError(path: path + ".content", message: "expected a string or a list of parts, found \(other.typeName)")
        }
        // transformers copies the first non-null of these into `reasoning_content`.
        var reasoning: String?
        for key in ["reasoning_content", "thinking", "reasoning"] {
            guard let v = object[key], !v.isNull else { continue }
            guard case .string(let s) = v else {
                throw MessagesError(path: "\(path).\(key)", message: "expected a string, found \(v.typeName)")
            }
            reasoning = s
            break
        }
        return Message(role: role, content: content, reasoning: reasoning)
    }

    static func role(_ value: JSONValue?, path: String) throws(MessagesError) -> String {
        guard case .string(let role)? = value else {
            throw MessagesError(path: path, message: value == nil ? "missing" : "expected a string, found \(value!.typeName)")
        }
        guard roles.contains(where: { $0.utf8.elementsEqual(role.utf8) }) else {
            throw MessagesError(path: path, message: "unsupported role \"\(role)\" (expected system, user, assistant or tool)")
        }
        return role
    }

    static func parsePart(_ value: JSONValue, path: String) throws(MessagesError) -> ContentPart {
        guard let part = value.objectValue else {
            throw MessagesError(path: path, message: "expected an object part, found \(value.typeName)")
        }
        let type = part["type"]?.stringValue
        if type == "image" || part.contains("image") || part.contains("image_url") {
            let path_ = try mediaPath(part, keys: ["image", "image_url", "url", "path"], path: path)
            return .image(MediaRef(path: path_, options: try MediaOptionsParser.parse(part, path: path), json: value))
        }
        if type == "video" || part.contains("video") {
            let path_ = try mediaPath(part, keys: ["video", "video_url", "url", "path"], path: path)
            return .video(MediaRef(path: path_, options: try MediaOptionsParser.parse(part, path: path), json: value))
        }
        if let text = part["text"] {
            guard case .string(let s) = text else {
                throw MessagesError(path: path + ".text", message: "expected a string, found \(text.typeName)")
            }
            return .text(s)
        }
        if part.contains("video_url") || type == "video_url" {
            throw MessagesError(path: path, message: "a \"video_url\" part is not a video to the chat templates (they look for type \"video\" or a \"video\" key); write {\"type\": \"video\", \"video\": PATH}")
        }
        throw MessagesError(path: path, message: "not an image, video or text part (the chat template would drop it)")
    }

    static func mediaPath(_ part: JSONObject, keys: [String], path: String) throws(MessagesError) -> String {
        for key in keys {
            guard let v = part[key] else { continue }
            switch v {
            case .string(let s) where !s.isEmpty:
                return s
            case .object(let o) where key.hasSuffix("_url"):
                if case .string(let s)? = o["url"], !s.isEmpty { return s }
                throw MessagesError(path: "\(path).\(key)", message: "expected {\"url\": PATH}")
            case .array where key == "video":
                throw MessagesError(path: "\(path).\(key)", message: "a video given as a list of frames is not supported")
            default:
                throw MessagesError(path: "\(path).\(key)", message: "expected a path string, found \(v.typeName)")
            }
        }
        throw MessagesError(path: path, message: "no media path (expected one of \(keys.joined(separator: ", ")))")
    }
}
