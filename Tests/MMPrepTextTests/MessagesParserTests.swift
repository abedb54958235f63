import MMPrepText
import Testing

struct MessagesParserTests {
    func parse(_ text: String) throws -> Conversation {
        try MessagesParser.parse(record: try JSONValue.parse(text))
    }

    @Test func qwenMessagesWithPartsAndOptions() throws {
        let c = try parse("""
        {"messages": [
          {"role": "system", "content": "Be brief."},
          {"role": "user", "content": [
            {"type": "image", "image": "a.jpg", "max_pixels": 50176, "resized_height": 280},
            {"type": "video", "video": "clips/b.mp4", "fps": 1.5, "video_start": 2, "video_end": 8.5, "nframes": null},
            {"type": "image_url", "image_url": {"url": "https://x/c.png"}},
            {"type": "text", "text": "What happens?"}]},
          {"role": "assistant", "content": "A cat jumps.", "reasoning_content": "look"}]}
        """)
        #expect(c.source == .messages)
        #expect(c.messages.map(\.role) == ["system", "user", "assistant"])
        #expect(c.messages[0].content == .string("Be brief."))
        guard case .parts(let parts) = c.messages[1].content else { Issue.record("expected parts"); return }
        #expect(parts.count == 4)
        #expect(c.images.map(\.path) == ["a.jpg", "https://x/c.png"])
        #expect(c.videos.map(\.path) == ["clips/b.mp4"])
        #expect(c.images[0].options == MediaOptions(maxPixels: 50176, resizedHeight: 280))
        #expect(c.videos[0].options == MediaOptions(fps: 1.5, videoStart: 2, videoEnd: 8.5))
        #expect(parts[3] == .text("What happens?"))
        #expect(c.messages[2].reasoning == "look")
        // The record's messages are kept as read, key order included.
        #expect(c.json.serialized().hasPrefix(#"[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"image","image":"a.jpg","max_pixels":50176,"resized_height":280}"#))
        #expect(c.images[0].json["max_pixels"] == .int(50176))
    }

    @Test func partClassificationFollowsTheTemplates() throws {
        // A key wins over the type, images over videos, media over text.
        let c = try parse(#"[{"role":"user","content":[{"type":"text","text":"t","image":"i.png"},{"video":"v.mp4","text":"x"},{"type":"image","url":"u.jpg"},{"type":"video","path":"p.mp4"}]}]"#)
        #expect(c.mediaParts.map { if case .image = $0 { "i" } else { "v" } } == ["i", "v", "i", "v"])
        #expect(c.images.map(\.path) == ["i.png", "u.jpg"])
        #expect(c.videos.map(\.path) == ["v.mp4", "p.mp4"])
    }

    @Test(arguments: [
        (#"[{"role":"human","content":"x"}]"#, "messages[0].role: unsupported role \"human\""),
        (#"[{"role":"user"}]"#, "messages[0].content: missing"),
        (#"[{"role":"user","content":7}]"#, "messages[0].content: expected a string or a list of parts"),
        (#"[{"role":"user","content":[{"type":"video_url","video_url":{"url":"v.mp4"}}]}]"#, "is not a video to the chat templates"),
        (#"[{"role":"user","content":[{"type":"audio","audio":"a.wav"}]}]"#, "messages[0].content[0]: not an image, video or text part"),
        (#"[{"role":"user","content":["hello"]}]"#, "expected an object part"),
        (#"[{"role":"user","content":[{"type":"image"}]}]"#, "no media path"),
        (#"[{"role":"user","content":[{"type":"video","video":["f1.jpg","f2.jpg"]}]}]"#, "list of frames is not supported"),
        (#"[{"role":"user","content":[{"type":"image","image":"a.jpg","max_pixels":1.5}]}]"#, "max_pixels: expected a positive integer"),
        (#"[{"role":"user","content":[{"type":"video","video":"a.mp4","fps":"2"}]}]"#, "fps: expected a number"),
        (#"[{"role":"user","content":[{"type":"text","text":3}]}]"#, "content[0].text: expected a string"),
        (#"[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f"}}]}]"#, "tool calls are not supported"),
        (#"[]"#, "no messages"),
        (#"{"foo":1}"#, "found none of"),
    ])
    func rejectsBadMessages(text: String, expected: String) throws {
        let e = #expect(throws: MessagesError.self) { try parse(text) }
        #expect(e?.description.contains(expected) == true, "\(e?.description ?? "no error")")
    }

    @Test func shareGPTConversationsSplitAtTags() throws {
        let c = try parse("""
        {"conversations": [
          {"from": "human", "value": "<image>Compare with <image> and <video>."},
          {"from": "gpt", "value": "The first is brighter."},
          {"from": "human", "value": "Why?"}],
         "images": ["a.jpg", "b.jpg"], "videos": "c.mp4", "system": "You are terse."}
        """)
        #expect(c.source == .shareGPT)
        #expect(c.messages.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(c.messages[0].content == .string("You are terse."))
        #expect(c.messages[1].content == .parts([
            .image(MediaRef(path: "a.jpg", kind: .image)), .text("Compare with "),
            .image(MediaRef(path: "b.jpg", kind: .image)), .text(" and "),
            .video(MediaRef(path: "c.mp4", kind: .video)), .text("."),
        ]))
        #expect(c.messages[2].content == .string("The first is brighter."))
        #expect(c.json.serialized().contains(#"{"type":"image","image":"a.jpg"},{"type":"text","text":"Compare with "}"#))
    }

    @Test func llamaFactoryRoleTaggedMessages() throws {
        let c = try parse(#"{"messages":[{"role":"system","content":"S"},{"role":"user","content":"<video>What?"},{"role":"assistant","content":"Rain."}],"videos":["v.mp4"]}"#)
        #expect(c.source == .shareGPT)
        #expect(c.messages[1].content == .parts([.video(MediaRef(path: "v.mp4", kind: .video)), .text("What?")]))
    }

    @Test(arguments: [
        (#"{"conversations":[{"from":"human","value":"<image><image>x"}],"images":["a.jpg"]}"#, "images: the messages have 2 <image> tags but the record lists 1 image"),
        (#"{"conversations":[{"from":"human","value":"x"}],"images":["a.jpg"]}"#, "the messages have 0 <image> tags but the record lists 1 image"),
        (#"{"conversations":[{"from":"human","value":"<video>x"}]}"#, "videos: the messages have 1 <video> tag but the record lists 0 videos"),
        (#"{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"images":[]}"#, "expected a string with <image>/<video> tags"),
        (#"{"conversations":[{"from":"function_call","value":"{}"}]}"#, "function_call turns are not supported"),
        (#"{"conversations":[{"from":"bot","value":"x"}]}"#, "unknown role tag \"bot\""),
        (#"{"conversations":[{"from":"human","value":"<image>"}],"images":[3]}"#, "images[0]: expected a path string"),
    ])
    func shareGPTErrors(text: String, expected: String) throws {
        let e = #expect(throws: MessagesError.self) { try parse(text) }
        #expect(e?.description.contains(expected) == true, "\(e?.description ?? "no error")")
    }

    @Test func captionRecordAndBuilder() throws {
        let c = try parse(#"{"caption":"A red kite.","images":["k.jpg"],"videos":["k.mp4"]}"#)
        #expect(c.source == .caption)
        #expect(c.caption == "A red kite.")
        #expect(c.json.serialized() == #"[{"role":"user","content":[{"type":"image","image":"k.jpg"},{"type":"video","video":"k.mp4"}]},{"role":"assistant","content":[{"type":"text","text":"A red kite."}]}]"#)
        let built = Conversation.caption("A red kite.", media: [.image(MediaRef(path: "k.jpg", kind: .image)),
                                                                .video(MediaRef(path: "k.mp4", kind: .video))])
        #expect(built == c)
    }
}
