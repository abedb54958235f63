"""Cases for the text parity tests (test_text_parity.py).

Each case is a dict:

  id          test id
  family      qwen2-vl | qwen2.5-vl | qwen3-vl | qwen3.5
  record      what mmprep reads (`mmprep render-text --messages`): Qwen messages, a ShareGPT
              record, a LLaMA-Factory role-tagged record or a caption record
  messages    what the reference gets (processor.apply_chat_template); defaults to `record`
              when that is a Qwen messages list or {"messages": [...]}
  images      (width, height) per image, in order: real PIL images run through the real
              Qwen2VLImageProcessorPil to get image_grid_thw
  videos      per video {"grid": [t, h, w], "indices": [...], "fps": F}: video_grid_thw and
              the metadata Qwen3VLProcessor.replace_video_token turns into timestamps
  kwargs      apply_chat_template keyword arguments (add_generation_prompt, add_vision_id,
              enable_thinking)
  error       True when the reference raises (template error or placeholder/media count
              mismatch); mmprep must then fail too
  deviation   a reason, when mmprep deliberately refuses what the reference silently accepts
"""

from __future__ import annotations

IMG = "a.jpg"


def img(path=IMG, **extra):
    return {"type": "image", "image": path, **extra}


def vid(path="v.mp4", **extra):
    return {"type": "video", "video": path, **extra}


def txt(text):
    return {"type": "text", "text": text}


def user(*content):
    return {"role": "user", "content": list(content) if len(content) != 1 or not isinstance(content[0], str) else content[0]}


def assistant(content, **extra):
    return {"role": "assistant", "content": content, **extra}


def system(content):
    return {"role": "system", "content": content}


def tool(content):
    return {"role": "tool", "content": content}


UNICODE = "Ünïcödé ✓ — 中文字符, emoji 🐈‍⬛, combining e\u0301, nbsp\u00a0end"
V8 = {"grid": [4, 8, 10], "indices": [0, 10, 20, 30, 40, 50, 60, 70], "fps": 24.0}
V5 = {"grid": [3, 6, 6], "indices": [0, 7, 14, 21, 29], "fps": 29.97}
V_TIES = {"grid": [3, 4, 4], "indices": [0, 1, 1, 2, 5, 6], "fps": 4.0}
V_LONG = {"grid": [5, 4, 6], "indices": [0, 240, 480, 720, 960, 1200, 1440, 1680, 1920, 2159], "fps": 23.976}

CASES = [
    # ---- qwen2-vl
    dict(id="q2-one-image-genprompt", family="qwen2-vl",
         record=[user(img(), txt("Describe this image."))], images=[(448, 336)],
         kwargs=dict(add_generation_prompt=True)),
    dict(id="q2-system-multi-image-visionid", family="qwen2-vl",
         record=[system("You are a careful judge."), user(img("x.png"), img("y.png"), txt("Which is sharper?")),
                 assistant("The second.")],
         images=[(224, 224), (640, 480)], kwargs=dict(add_vision_id=True)),
    dict(id="q2-string-multiturn", family="qwen2-vl",
         record={"messages": [user("Hi"), assistant("Hello!"), user("  spaces kept  \n"), assistant("OK")]}),
    dict(id="q2-video-and-image-unicode", family="qwen2-vl",
         record=[user(vid(fps=2.0), txt(UNICODE)), assistant(UNICODE), user(img(), txt("and this?"))],
         images=[(300, 200)], videos=[V8], kwargs=dict(add_generation_prompt=True)),
    dict(id="q2-sharegpt", family="qwen2-vl",
         record={"conversations": [{"from": "human", "value": "<image>Compare with <image>, then <video>."},
                                   {"from": "gpt", "value": "They match."}],
                 "images": ["a.jpg", "b.jpg"], "videos": ["c.mp4"]},
         messages=[user(img("a.jpg"), txt("Compare with "), img("b.jpg"), txt(", then "), vid("c.mp4"), txt(".")),
                   assistant("They match.")],
         images=[(256, 256), (512, 384)], videos=[V5]),
    # ---- qwen2.5-vl
    dict(id="q25-one-video", family="qwen2.5-vl",
         record=[user(vid(), txt("What happens?")), assistant([txt("A dog runs.")])], videos=[V8]),
    dict(id="q25-images-second-turn-genprompt", family="qwen2.5-vl",
         record=[user("Look at these."), assistant("Ready."), user(txt("First: "), img(), txt(" second: "), img("b.jpg"))],
         images=[(1000, 750), (28, 28)], kwargs=dict(add_generation_prompt=True)),
    dict(id="q25-system-list-content", family="qwen2.5-vl",
         record=[system([txt("Rule one. "), txt("Rule two.")]), user(img(), txt("Go."))], images=[(330, 220)]),
    dict(id="q25-llamafactory-role-tags", family="qwen2.5-vl",
         record={"messages": [user("<image>\nWhat is this?"), assistant("A kite."), user("Color? <image>")],
                 "images": ["k1.jpg", "k2.jpg"]},
         messages=[user(img("k1.jpg"), txt("\nWhat is this?")), assistant("A kite."), user(txt("Color? "), img("k2.jpg"))],
         images=[(200, 300), (300, 200)]),
    dict(id="q25-caption-record", family="qwen2.5-vl",
         record={"caption": "A red kite over a beach.", "images": ["k.jpg"]},
         messages=[user(img("k.jpg")), assistant([txt("A red kite over a beach.")])], images=[(640, 427)]),
    dict(id="q25-tool-role", family="qwen2.5-vl",
         record=[user("Weather?"), assistant("Checking."), tool("sunny"), user(img(), txt("And here?"))],
         images=[(112, 112)]),
    # ---- qwen3-vl
    dict(id="q3-one-image-genprompt", family="qwen3-vl",
         record=[user(img(), txt("Describe this image."))], images=[(512, 512)],
         kwargs=dict(add_generation_prompt=True)),
    dict(id="q3-video-odd-frames", family="qwen3-vl",
         record=[user(vid(), txt("Summarise.")), assistant("Rain falls.")], videos=[V5]),
    dict(id="q3-two-videos-image-visionid", family="qwen3-vl",
         record=[user(vid("v1.mp4"), img(), vid("v2.mp4"), txt("Same place?"))],
         images=[(480, 360)], videos=[V8, V_LONG], kwargs=dict(add_vision_id=True, add_generation_prompt=True)),
    dict(id="q3-system-multiturn-list-assistant", family="qwen3-vl",
         record=[system("Answer in French."), user(img(), txt("Qu'est-ce ?")), assistant([txt("Un chat."), txt(" Noir.")]),
                 user("Merci")],
         images=[(256, 192)]),
    dict(id="q3-system-list-content", family="qwen3-vl",
         record=[system([txt("A"), txt("B")]), user("hello")]),
    dict(id="q3-tool-grouping-with-image", family="qwen3-vl",
         record=[user("Find it."), assistant("Searching."), tool("result one"), tool([img(), txt("result two")]),
                 user("Thanks")],
         images=[(128, 96)], kwargs=dict(add_generation_prompt=True)),
    dict(id="q3-unicode-whitespace", family="qwen3-vl",
         record=[user(txt("  \n" + UNICODE + "\t "), img()), assistant("\n " + UNICODE + " \n")], images=[(64, 640)]),
    dict(id="q3-sharegpt-video", family="qwen3-vl",
         record={"conversations": [{"from": "human", "value": "<video>Describe the clip."},
                                   {"from": "gpt", "value": "A train passes."}],
                 "videos": ["t.mp4"], "system": "Be concise."},
         messages=[system("Be concise."), user(vid("t.mp4"), txt("Describe the clip.")), assistant("A train passes.")],
         videos=[V8]),
    dict(id="q3-caption-video", family="qwen3-vl",
         record={"caption": "Waves break on rocks.", "videos": ["w.mp4"]},
         messages=[user(vid("w.mp4")), assistant([txt("Waves break on rocks.")])], videos=[V_LONG]),
    dict(id="q3-timestamp-ties", family="qwen3-vl",
         record=[user(vid(), txt("When?"))], videos=[V_TIES]),
    dict(id="q3-assistant-image-refused", family="qwen3-vl",
         record=[user("Draw"), assistant([img(), txt("done")])], images=[(64, 64)], error=True),
    dict(id="q3-late-system-dropped", family="qwen3-vl",
         record=[user("hi"), system("late rule"), assistant("hello")],
         deviation="the qwen3-vl template silently drops a system message that is not first; mmprep refuses it"),
    # ---- qwen3.5
    dict(id="q35-caption-image", family="qwen3.5",
         record={"caption": "  A cat on a mat.\n", "images": ["c.jpg"]},
         messages=[user(img("c.jpg")), assistant([txt("  A cat on a mat.\n")])], images=[(640, 480)]),
    dict(id="q35-reasoning-multiturn", family="qwen3.5",
         record=[system("  Think first. "), user("q1"), assistant("<think>\nold reasoning\n</think>\n\nanswer one"),
                 user(img(), txt("q2")), assistant("answer two", reasoning_content="  new reasoning  ")],
         images=[(320, 240)]),
    dict(id="q35-genprompt-default", family="qwen3.5",
         record=[user(img(), txt("What is it?"))], images=[(500, 500)], kwargs=dict(add_generation_prompt=True)),
    dict(id="q35-genprompt-no-thinking", family="qwen3.5",
         record=[user(vid(), txt("What is it?"))], videos=[V5],
         kwargs=dict(add_generation_prompt=True, enable_thinking=False)),
    dict(id="q35-system-list-trim", family="qwen3.5",
         record=[system([txt(" \n Rules: "), txt("be kind \u3000")]), user(txt("\t"), img(), txt(" hello \n")),
                 assistant("\u00a0 fine \u2003")],
         images=[(160, 160)]),
    dict(id="q35-video-visionid", family="qwen3.5",
         record=[user(img(), vid(), txt("Compare.")), assistant("Similar."), user(vid("v2.mp4"))],
         images=[(400, 300)], videos=[V_TIES, V8], kwargs=dict(add_vision_id=True)),
    dict(id="q35-tools", family="qwen3.5",
         record=[user("Find it."), assistant("Searching."), tool("r1"), tool([txt("r2 "), img()]), user("Thanks"),
                 assistant("You're welcome.")],
         images=[(96, 96)]),
    dict(id="q35-multistep-tool-response-user", family="qwen3.5",
         record=[user("Plan"), assistant("Step 1"), user("<tool_response>\nok\n</tool_response>"),
                 assistant("<think>r</think>Step 2")]),
    dict(id="q35-assistant-image", family="qwen3.5",
         record=[user("Show me"), assistant([txt("Here: "), img()])], images=[(256, 128)]),
    dict(id="q35-llamafactory-role-tags", family="qwen3.5",
         record={"messages": [system("S"), user("<image><image>Same?"), assistant("No.")], "images": ["a.jpg", "b.jpg"]},
         messages=[system("S"), user(img("a.jpg"), img("b.jpg"), txt("Same?")), assistant("No.")],
         images=[(200, 200), (210, 190)]),
    dict(id="q35-no-user-query", family="qwen3.5", record=[assistant("alone")], error=True),
    dict(id="q35-system-not-first", family="qwen3.5", record=[user("hi"), system("late")], error=True),
    dict(id="q35-system-image", family="qwen3.5", record=[system([img()]), user("hi")], images=[(64, 64)], error=True),
]


def reference_messages(case: dict):
    """The Qwen-format messages the reference renders for a case."""
    if "messages" in case:
        return case["messages"]
    record = case["record"]
    if isinstance(record, list):
        return record
    return record["messages"]
