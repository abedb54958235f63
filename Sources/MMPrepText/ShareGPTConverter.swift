/// LLaMA-Factory's ShareGPT layout turned into the message model.
///
/// Turns are `{"from": TAG, "value": TEXT}` (or `{"role": TAG, "content": TEXT}`) with the tags
/// `human`/`user`, `gpt`/`assistant`, `system`, `observation`/`tool`; a top-level `"system"` string
/// becomes a leading system message when the turns have none. Each `<image>` and `<video>` tag in
/// a turn's text becomes the next path of the record's `images` / `videos` list, in order; the text
/// between tags stays as text parts (empty pieces are dropped), and a turn without tags keeps its
/// string content. The number of tags of each kind must equal the length of its list, as
/// LLaMA-Factory requires.
enum ShareGPTConverter {
    static let imageTag = "<image>"
    static let videoTag = "<video>"

    static func convert(record: JSONObject, turns: JSONValue, path: String) throws(MessagesError) -> Conversation {
        guard case .array(let items) = turns else {
            throw MessagesError(path: path, message: "expected an array of turns, found \(turns.typeName)")
        }
        if items.isEmpty { throw MessagesError(path: path, message: "no turns") }
        if let tools = record["tools"], !tools.isNull, tools != .string(""), tools.arrayValue?.isEmpty != true {
            throw MessagesError(path: "tools", message: "tool definitions are not supported")
        }
        for key in ["audios", "audio"] {
            if let a = record[key], !a.isNull, a.arrayValue?.isEmpty != true {
                throw MessagesError(path: key, message: "audio is not supported")
            }
        }
        let images = try mediaList(record, "images")
        let videos = try mediaList(record, "videos")
        var nextImage = 0
        var nextVideo = 0
        var messages: [Message] = []
        if case .string(let system)? = record["system"], !system.isEmpty {
            messages.append(Message(role: "system", content: .string(system)))
        }
        for (i, item) in items.enumerated() {
            let here = "\(path)[\(i)]"
            guard let turn = item.objectValue else {
                throw MessagesError(path: here, message: "expected an object, found \(item.typeName)")
            }
            let (roleKey, textKey) = turn.contains("from") ? ("from", "value") : ("role", "content")
            let role = try mapRole(turn[roleKey], path: "\(here).\(roleKey)")
            guard case .string(let text)? = turn[textKey] else {
                throw MessagesError(path: "\(here).\(textKey)",
                                    message: "expected a string with <image>/<video> tags (this record lists its media separately)")
            }
            if role == "system", messages.first?.role == "system", i == 0 {
                messages.removeFirst()
            }
            let parts = try split(text, images: images, videos: videos, nextImage: &nextImage, nextVideo: &nextVideo, path: here)
            messages.append(Message(role: role, content: parts.map(MessageContent.parts) ?? .string(text)))
        }
        try checkCount("<image>", used: nextImage, listed: images.count, list: "images")
        try checkCount("<video>", used: nextVideo, listed: videos.count, list: "videos")
        return Conversation(messages: messages, source: .shareGPT)
    }

    /// Splits text at its tags; nil when it has none.
    static func split(_ text: String, images: [String], videos: [String], nextImage: inout Int, nextVideo: inout Int,
                      path: String) throws(MessagesError) -> [ContentPart]? {
        let bytes = Array(text.utf8)
        let image = Array(imageTag.utf8)
        let video = Array(videoTag.utf8)
        var parts: [ContentPart] = []
        var pending: [UInt8] = []
        var i = 0
        var found = false
        func flush() {
            if !pending.isEmpty { parts.append(.text(String(decoding: pending, as: UTF8.self))) }
            pending.removeAll()
        }
        while i < bytes.count {
            if bytes[i...].starts(with: image) {
                found = true
                flush()
                if nextImage < images.count { parts.append(.image(MediaRef(path: images[nextImage], kind: .image))) }
                nextImage += 1
                i += image.count
            } else if bytes[i...].starts(with: video) {
                found = true
                flush()
                if nextVideo < videos.count { parts.append(.video(MediaRef(path: videos[nextVideo], kind: .video))) }
                nextVideo += 1
                i += video.count
            } else {
                pending.append(bytes[i])
                i += 1
            }
        }
        flush()
        return found ? parts : nil
    }

    static func checkCount(_ tag: String, used: Int, listed: Int, list: String) throws(MessagesError) {
        guard used == listed else {
            throw MessagesError(path: list, message: "the messages have \(used) \(tag) tag\(used == 1 ? "" : "s") but the record lists \(listed) \(list == "images" ? "image" : "video")\(listed == 1 ? "" : "s")")
        }
    }

    static func mapRole(_ value: JSONValue?, path: String) throws(MessagesError) -> String {
        guard case .string(let tag)? = value else {
            throw MessagesError(path: path, message: value == nil ? "missing" : "expected a string, found \(value!.typeName)")
        }
        switch tag {
        case "human", "user": return "user"
        case "gpt", "assistant": return "assistant"
        case "system": return "system"
        case "observation", "tool": return "tool"
        case "function_call": throw MessagesError(path: path, message: "function_call turns are not supported")
        default: throw MessagesError(path: path, message: "unknown role tag \"\(tag)\" (expected human, gpt, system or observation)")
        }
    }

    /// A record's `images` / `videos`: a list of path strings (a single string counts as a list of one).
    static func mediaList(_ record: JSONObject, _ key: String) throws(MessagesError) -> [String] {
        guard let v = record[key], !v.isNull else { return [] }
        if case .string(let s) = v { return [s] }
        guard case .array(let items) = v else {
            throw MessagesError(path: key, message: "expected a list of paths, found \(v.typeName)")
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item, !s.isEmpty else {
                throw MessagesError(path: "\(key)[\(i)]", message: "expected a path string, found \(item.typeName)")
            }
            out.append(s)
        }
        return out
    }
}
