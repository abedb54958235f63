/// Options the chat templates take (the `apply_chat_template` keyword arguments).
public struct RenderOptions: Sendable, Equatable {
    /// `add_generation_prompt`: end with the opening of an assistant turn.
    public var addGenerationPrompt: Bool
    /// `add_vision_id`: prefix each image with `Picture N: ` and each video with `Video N: `.
    public var addVisionID: Bool
    /// `enable_thinking` (Qwen3.5 only, and only with `addGenerationPrompt`): nil leaves it
    /// undefined, as the processor does unless told; `false` closes the think block at once.
    public var enableThinking: Bool?

    public init(addGenerationPrompt: Bool = false, addVisionID: Bool = false, enableThinking: Bool? = nil) {
        self.addGenerationPrompt = addGenerationPrompt
        self.addVisionID = addVisionID
        self.enableThinking = enableThinking
    }
}
