/// Qwen3.5's chat template (as published with Qwen3.5-27B), without `tools`:
///
/// - `render_content(content, do_vision_count, is_system_content)`: a string as is, or the parts
///   with `[Picture N: ]<|vision_start|><|image_pad|><|vision_end|>` per image (`Video N: ` and
///   `<|video_pad|>` for videos); always followed by `|trim` (Python `str.strip()`);
/// - `messages[0]` with role system: `<|im_start|>system\n` + content + `<|im_end|>\n` (media raise);
/// - the last query is the last user message whose content is not wrapped in
///   `<tool_response>...</tool_response>` (none raises);
/// - user: `<|im_start|>user\n` + content + `<|im_end|>\n`;
/// - assistant: the reasoning is `reasoning_content`, or else taken from a `</think>` in the
///   content; after the last query: `<|im_start|>assistant\n<think>\n` + reasoning (stripped) +
///   `\n</think>\n\n` + content, before it: `<|im_start|>assistant\n` + content; then `<|im_end|>\n`;
/// - tool: `<|im_start|>user` when the previous message is not a tool message (none for a first
///   message), `\n<tool_response>\n` + content + `\n</tool_response>`, and `<|im_end|>\n` unless
///   the next message is a tool message;
/// - `add_generation_prompt`: `<|im_start|>assistant\n<think>\n`, or with `enable_thinking=False`
///   `<|im_start|>assistant\n<think>\n\n</think>\n\n`.
struct Qwen35Template {
    let options: RenderOptions
    var numbering: VisionNumbering

    init(options: RenderOptions) {
        self.options = options
        numbering = VisionNumbering(addVisionID: options.addVisionID)
    }

    mutating func render(_ messages: [Message]) throws(RenderError) -> String {
        var out = ""
        if PythonText.equal(messages[0].role, "system") {
            let content = PythonText.strip(try renderContent(messages[0].content, count: false, system: true))
            out += "<|im_start|>system\n" + content + "<|im_end|>\n"
        }
        var lastQuery: Int?
        for index in messages.indices.reversed() where PythonText.equal(messages[index].role, "user") {
            let content = PythonText.strip(try renderContent(messages[index].content, count: false, system: false))
            if !(PythonText.hasPrefix(content, "<tool_response>") && PythonText.hasSuffix(content, "</tool_response>")) {
                lastQuery = index
                break
            }
        }
        guard let lastQuery else { throw RenderError("No user query found in messages.") }

        for (i, m) in messages.enumerated() {
            var content = PythonText.strip(try renderContent(m.content, count: true, system: false))
            let role = m.role
            if PythonText.equal(role, "system") {
                if i != 0 { throw RenderError("System message must be at the beginning.") }
            } else if PythonText.equal(role, "user") {
                out += "<|im_start|>user\n" + content + "<|im_end|>\n"
            } else if PythonText.equal(role, "assistant") {
                var reasoning = ""
                if let r = m.reasoning {
                    reasoning = r
                } else if PythonText.contains(content, "</think>") {
                    reasoning = PythonText.lstripNewlines(PythonText.afterLast(
                        PythonText.rstripNewlines(PythonText.beforeFirst(content, "</think>")), "<think>"))
                    content = PythonText.lstripNewlines(PythonText.afterLast(content, "</think>"))
                }
                reasoning = PythonText.strip(reasoning)
                if i > lastQuery {
                    out += "<|im_start|>assistant\n<think>\n" + reasoning + "\n</think>\n\n" + content
                } else {
                    out += "<|im_start|>assistant\n" + content
                }
                out += "<|im_end|>\n"
            } else if PythonText.equal(role, "tool") {
                if i > 0 && !PythonText.equal(messages[i - 1].role, "tool") { out += "<|im_start|>user" }
                out += "\n<tool_response>\n" + content + "\n</tool_response>"
                if i == messages.count - 1 || !PythonText.equal(messages[i + 1].role, "tool") { out += "<|im_end|>\n" }
            } else {
                throw RenderError("Unexpected message role.")
            }
        }
        if options.addGenerationPrompt {
            out += "<|im_start|>assistant\n"
            out += options.enableThinking == false ? "<think>\n\n</think>\n\n" : "<think>\n"
        }
        return out
    }

    /// The template's `render_content` macro (before its `|trim`).
    mutating func renderContent(_ content: MessageContent, count: Bool, system: Bool) throws(RenderError) -> String {
        switch content {
        case .string(let s):
            return s
        case .parts(let parts):
            var out = ""
            for part in parts {
                if system, case .image = part { throw RenderError("System message cannot contain images.") }
                if system, case .video = part { throw RenderError("System message cannot contain videos.") }
                out += numbering.render(part, count: count)
            }
            return out
        }
    }
}
