/// Qwen3-VL Instruct's chat template, without `tools` (which mmprep never passes):
///
/// - `messages[0]` with role system: `<|im_start|>system\n` + its string content or its text
///   parts + `<|im_end|>\n`;
/// - user: `<|im_start|>user\n` + content (images and videos counted) + `<|im_end|>\n`;
/// - assistant: `<|im_start|>assistant\n` + string content or text parts only + `<|im_end|>\n`;
/// - tool: `<|im_start|>user` before the first of a run of tool messages, then
///   `\n<tool_response>\n` + content (with media) + `\n</tool_response>`, and `<|im_end|>\n` after
///   the last of the run;
/// - any other message (a later system message) renders nothing;
/// - `add_generation_prompt`: `<|im_start|>assistant\n`.
///
/// The template drops media in system and assistant turns and system messages after the first;
/// mmprep refuses those instead, since the media lists would no longer match the text.
struct Qwen3VLTemplate {
    let options: RenderOptions
    var numbering: VisionNumbering

    init(options: RenderOptions) {
        self.options = options
        numbering = VisionNumbering(addVisionID: options.addVisionID)
    }

    mutating func render(_ messages: [Message]) throws(RenderError) -> String {
        var out = ""
        for (i, m) in messages.enumerated() {
            let role = m.role
            if PythonText.equal(role, "system") {
                if i > 0 {
                    throw RenderError("messages[\(i)]: the qwen3-vl template only renders a system message in first place (it would drop this one)")
                }
                out += "<|im_start|>system\n" + (try textOnly(m.content, what: "system", index: i)) + "<|im_end|>\n"
            } else if PythonText.equal(role, "user") {
                out += "<|im_start|>user\n" + withMedia(m.content) + "<|im_end|>\n"
            } else if PythonText.equal(role, "assistant") {
                out += "<|im_start|>assistant\n" + (try textOnly(m.content, what: "assistant", index: i)) + "<|im_end|>\n"
            } else if PythonText.equal(role, "tool") {
                if i == 0 || !PythonText.equal(messages[i - 1].role, "tool") { out += "<|im_start|>user" }
                out += "\n<tool_response>\n" + withMedia(m.content) + "\n</tool_response>"
                if i == messages.count - 1 || !PythonText.equal(messages[i + 1].role, "tool") { out += "<|im_end|>\n" }
            } else {
                throw RenderError("messages[\(i)]: the qwen3-vl template ignores the role \"\(role)\"")
            }
        }
        if options.addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    func textOnly(_ content: MessageContent, what: String, index: Int) throws(RenderError) -> String {
        switch content {
        case .string(let s):
            return s
        case .parts(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let t): out += t
                case .image, .video:
                    throw RenderError("messages[\(index)]: the qwen3-vl template drops images and videos in \(what) messages")
                }
            }
            return out
        }
    }

    mutating func withMedia(_ content: MessageContent) -> String {
        switch content {
        case .string(let s):
            return s
        case .parts(let parts):
            var out = ""
            for part in parts { out += numbering.render(part) }
            return out
        }
    }
}
