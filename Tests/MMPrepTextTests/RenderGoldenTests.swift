import MMPrepText
import Testing

struct RenderGoldenTests {
    let image = ContentPart.image(MediaRef(path: "a.jpg", kind: .image))
    let video = ContentPart.video(MediaRef(path: "v.mp4", kind: .video))

    func pads(_ token: String, _ n: Int) -> String { String(repeating: "<|\(token)_pad|>", count: n) }

    @Test func qwen25OneImageWithGenerationPrompt() throws {
        let messages = [Message(role: "user", content: .parts([image, .text("Describe this image.")]))]
        let text = try TextRenderer.render(messages, family: .qwen25VL, vision: VisionTokens(images: [ImageTokens(count: 4)]),
                                           options: RenderOptions(addGenerationPrompt: true))
        #expect(text == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>"
            + pads("image", 4) + "<|vision_end|>Describe this image.<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func qwen2VisionIDsAndVideoTokens() throws {
        let messages = [
            Message(role: "system", content: .string("Sys")),
            Message(role: "user", content: .parts([image, image, .text("Same?")])),
            Message(role: "user", content: .parts([video])),
        ]
        let vision = VisionTokens(images: [ImageTokens(count: 1), ImageTokens(count: 1)],
                                  videos: [VideoTokens(tokensPerGroup: 3, groups: 2)])
        let text = try TextRenderer.render(messages, family: .qwen2VL, vision: vision, options: RenderOptions(addVisionID: true))
        #expect(text == "<|im_start|>system\nSys<|im_end|>\n<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>"
            + "Picture 2: <|vision_start|><|image_pad|><|vision_end|>Same?<|im_end|>\n<|im_start|>user\nVideo 1: <|vision_start|>"
            + pads("video", 6) + "<|vision_end|><|im_end|>\n")
    }

    @Test func qwen3VideoGetsTimestampedGroupsInsideTheOuterWrapper() throws {
        let messages = [
            Message(role: "user", content: .parts([video, .text("What?")])),
            Message(role: "assistant", content: .string("Rain.")),
        ]
        let vision = VisionTokens(videos: [VideoTokens(tokensPerGroup: 2, timestamps: [0.25, 1.25, 2.75])])
        for family in [ModelFamily.qwen3VL, .qwen35] {
            let text = try TextRenderer.render(messages, family: family, vision: vision)
            let groups = ["0.2", "1.2", "2.8"].map { "<\($0) seconds><|vision_start|>" + pads("video", 2) + "<|vision_end|>" }.joined()
            let user = "<|im_start|>user\n<|vision_start|>" + groups + "<|vision_end|>What?<|im_end|>\n"
            let assistant = family == .qwen3VL ? "<|im_start|>assistant\nRain.<|im_end|>\n"
                : "<|im_start|>assistant\n<think>\n\n</think>\n\nRain.<|im_end|>\n"
            #expect(text == user + assistant)
        }
    }

    @Test func qwen35CaptionIsStrippedAndThinks() throws {
        let c = Conversation.caption("  A cat.\n", media: [image])
        let text = try TextRenderer.render(c, mode: .chat, family: .qwen35, vision: VisionTokens(images: [ImageTokens(count: 2)]))
        #expect(text == "<|im_start|>user\n<|vision_start|>" + pads("image", 2)
            + "<|vision_end|><|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nA cat.<|im_end|>\n")
        #expect(try TextRenderer.render(c, mode: .raw, family: .qwen35, vision: VisionTokens()) == "  A cat.\n")
    }

    @Test func qwen35ReasoningOnlyAfterTheLastQuery() throws {
        let messages = [
            Message(role: "system", content: .string("S ")),
            Message(role: "user", content: .string("q1")),
            Message(role: "assistant", content: .string("<think>\nr1\n</think>\n\na1")),
            Message(role: "user", content: .string("q2")),
            Message(role: "assistant", content: .string("a2"), reasoning: "r2"),
        ]
        let text = try ChatTemplate.render(messages, family: .qwen35,
                                           options: RenderOptions(addGenerationPrompt: true, enableThinking: false))
        #expect(text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nq1<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n"
            + "<|im_start|>user\nq2<|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</think>\n\na2<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n")
        let open = try ChatTemplate.render(Array(messages.prefix(2)), family: .qwen35, options: RenderOptions(addGenerationPrompt: true))
        #expect(open.hasSuffix("<|im_start|>assistant\n<think>\n"))
    }

    @Test func qwen35StripsPythonWhitespaceOnly() throws {
        // Python's str.strip() removes \x1c and \x85 but not U+200B; Swift's notion differs.
        let messages = [Message(role: "user", content: .string("\u{1C}\u{200B}hi\u{85}\u{3000}"))]
        #expect(try ChatTemplate.render(messages, family: .qwen35) == "<|im_start|>user\n\u{200B}hi<|im_end|>\n")
        // Canonically equivalent text is kept exactly as given.
        let composed = [Message(role: "user", content: .string("e\u{301}")), Message(role: "assistant", content: .string("\u{E9}"))]
        let out = try ChatTemplate.render(composed, family: .qwen2VL)
        #expect(Array(out.unicodeScalars).map(\.value).contains(0x301))
        #expect(out.utf8.count == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\ne\u{301}<|im_end|>\n<|im_start|>assistant\n\u{E9}<|im_end|>\n".utf8.count)
    }

    @Test func qwen3ToolMessagesAreGrouped() throws {
        let messages = [
            Message(role: "user", content: .string("q")),
            Message(role: "assistant", content: .string("a")),
            Message(role: "tool", content: .string("r1")),
            Message(role: "tool", content: .string("r2")),
        ]
        let text = try ChatTemplate.render(messages, family: .qwen3VL, options: RenderOptions(addGenerationPrompt: true))
        #expect(text == "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n"
            + "</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n<|im_start|>assistant\n")
    }

    @Test(arguments: [
        (ModelFamily.qwen3VL, [Message(role: "user", content: .string("q")), Message(role: "assistant", content: .parts([ContentPart.image(MediaRef(path: "x", kind: .image))]))], "drops images and videos in assistant messages"),
        (.qwen3VL, [Message(role: "user", content: .string("q")), Message(role: "system", content: .string("s"))], "only renders a system message in first place"),
        (.qwen35, [Message(role: "system", content: .parts([ContentPart.image(MediaRef(path: "x", kind: .image))])), Message(role: "user", content: .string("q"))], "System message cannot contain images."),
        (.qwen35, [Message(role: "assistant", content: .string("a"))], "No user query found in messages."),
        (.qwen35, [Message(role: "user", content: .string("<tool_response>r</tool_response>"))], "No user query found in messages."),
        (.qwen35, [Message(role: "user", content: .string("q")), Message(role: "system", content: .string("s"))], "System message must be at the beginning."),
    ])
    func templateRefusals(family: ModelFamily, messages: [Message], expected: String) {
        let e = #expect(throws: RenderError.self) { try ChatTemplate.render(messages, family: family) }
        #expect(e?.message.contains(expected) == true, "\(e?.message ?? "no error")")
    }

    @Test func placeholderCountsMustMatch() {
        let messages = [Message(role: "user", content: .parts([image, .text("and <|image_pad|> in text")]))]
        let e = #expect(throws: RenderError.self) {
            try TextRenderer.render(messages, family: .qwen2VL, vision: VisionTokens(images: [ImageTokens(count: 1)]))
        }
        #expect(e?.message == "the text has 2 <|image_pad|> placeholders but 1 image was given")
        #expect(throws: RenderError.self) {
            try TextRenderer.render([Message(role: "user", content: .parts([video]))], family: .qwen3VL, vision: VisionTokens())
        }
        #expect(throws: RenderError.self) {
            try TextRenderer.render([Message(role: "user", content: .parts([image]))], family: .qwen3VL,
                                    vision: VisionTokens(images: [ImageTokens(count: 0)]))
        }
        #expect(throws: RenderError.self) {
            try TextRenderer.render([Message(role: "user", content: .parts([video]))], family: .qwen3VL,
                                    vision: VisionTokens(videos: [VideoTokens(tokensPerGroup: 1, timestamps: [.nan])]))
        }
    }

    @Test func expansionIsNotRescannedAndKeepsOtherText() throws {
        let text = "x<|video_pad|>y<|image_pad|>z"
        let out = try PlaceholderExpander.expand(text, family: .qwen3VL,
                                                 vision: VisionTokens(images: [ImageTokens(gridTHW: [1, 4, 2])],
                                                                      videos: [VideoTokens(tokensPerGroup: 1, timestamps: [0.05])]))
        #expect(out == "x<0.1 seconds><|vision_start|><|video_pad|><|vision_end|>y<|image_pad|><|image_pad|>z")
    }

    @Test func qwen3TimestampsMatchTheProcessorBitForBit() {
        // Values from transformers 5.24 Qwen3VLProcessor._calculate_timestamps (float.hex()).
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [0, 7, 14, 21, 29], fps: 29.97)
            == [0x1.de5852af733aep-4, 0x1.2af733ada804cp-1, 0x1.ef6dc35a49a19p-1])
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [0, 240, 480, 720, 960, 1200, 1440, 1680, 1920, 2159], fps: 23.976)
            == [0x1.4052008334052p+2, 0x1.906680a401066p+4, 0x1.685c40939a85cp+5, 0x1.0442a06a9a443p+6, 0x1.5441c5be91b97p+6])
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [3, 5, 8], fps: 30000.0 / 1001.0)
            == [0x1.1156f8c384072p-3, 0x1.1156f8c384072p-2])
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [0, 1, 1, 2, 5, 6], fps: 4) == [0.125, 0.375, 1.375])
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [17], fps: 7.3) == [0x1.2a150a8542a15p+1])
        #expect(VideoTokens.qwen3Timestamps(frameIndices: [], fps: 2).isEmpty)
    }

    @Test func familyNames() throws {
        #expect(try ModelFamily.named("qwen2.5-vl") == .qwen25VL)
        #expect(throws: RenderError.self) { try ModelFamily.named("qwen4") }
    }
}
