/// Qwen2-VL / Qwen2.5-VL `chat_template.json`:
///
///     {% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}
///     {% for message in messages %}{% if loop.first and message['role'] != 'system' %}
///     <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}
///     <|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}
///     {{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}
///     ... image: [Picture N: ]<|vision_start|><|image_pad|><|vision_end|>
///     ... video: [Video N: ]<|vision_start|><|video_pad|><|vision_end|>  ... text: {{ content['text'] }}
///     {% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}
struct Qwen2VLTemplate {
    let options: RenderOptions

    func render(_ messages: [Message]) -> String {
        var out = ""
        var numbering = VisionNumbering(addVisionID: options.addVisionID)
        for (i, m) in messages.enumerated() {
            if i == 0 && !PythonText.equal(m.role, "system") {
                out += "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            }
            out += "<|im_start|>" + m.role + "\n"
            switch m.content {
            case .string(let s):
                out += s
            case .parts(let parts):
                for part in parts { out += numbering.render(part) }
            }
            out += "<|im_end|>\n"
        }
        if options.addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }
}
