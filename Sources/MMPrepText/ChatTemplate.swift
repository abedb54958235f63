/// The published chat templates, rendered natively: the text
/// `processor.apply_chat_template(messages, tokenize=False, ...)` returns, with one
/// `<|image_pad|>` / `<|video_pad|>` per image / video (before placeholder expansion).
///
/// Templates (copies under `Tests/Fixtures/chat-templates`, checked against real Jinja by the
/// parity tests):
///
/// - qwen2-vl, qwen2.5-vl: the `chat_template.json` of Qwen2-VL-7B-Instruct / Qwen2.5-VL-7B-Instruct
///   (one template): a default system turn when the first message is not a system message; every
///   role rendered as `<|im_start|>ROLE\n...<|im_end|>\n`.
/// - qwen3-vl: Qwen3-VL Instruct's template: no default system turn; only the first message may
///   be a system message (text only); assistant turns render text parts only; `tool` messages are
///   grouped into a user turn of `<tool_response>` blocks.
/// - qwen3.5: Qwen3.5's template (as in Qwen3.5-27B): contents are stripped of surrounding
///   whitespace; the assistant turns after the last user query get a `<think>` block; the
///   generation prompt opens a think block (closed at once with `enableThinking == false`).
///
/// Where a template would silently drop something the messages hold (media in a Qwen3-VL system
/// or assistant turn, a Qwen3-VL system message that is not first), this throws instead; where
/// the template raises, this throws the template's message.
public enum ChatTemplate {
    public static func render(_ messages: [Message], family: ModelFamily, options: RenderOptions = .init()) throws(RenderError) -> String {
        if messages.isEmpty { throw RenderError("no messages") }
        switch family {
        case .qwen2VL, .qwen25VL:
            return Qwen2VLTemplate(options: options).render(messages)
        case .qwen3VL:
            var t = Qwen3VLTemplate(options: options)
            return try t.render(messages)
        case .qwen35:
            var t = Qwen35Template(options: options)
            return try t.render(messages)
        }
    }

    static let imageBlock = "<|vision_start|><|image_pad|><|vision_end|>"
    static let videoBlock = "<|vision_start|><|video_pad|><|vision_end|>"
}
