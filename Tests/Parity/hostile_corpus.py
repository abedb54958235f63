"""A hostile input corpus, generated (nothing binary is committed), mixed with good files.

`build(root)` writes the corpus into `root/inbox/` (a folder input for `mmprep convert`, or files
to drop into a watch inbox) and returns the list of `Case`s: each names its file (relative to the
inbox), what it is, and the outcome it must have:

  * `ok`          - a good file: it must convert;
  * (stage, set of reasons) - it must end as a failure with that stage and one of those reasons;
  * `any`         - a mutation that may or may not still be a valid file (bit flips): it must
                    either convert or fail cleanly (the outcome is recorded, never a crash).

Importable by other tests (e.g. a watch test): `from hostile_corpus import build, Case`.
Needs the ffmpeg CLI. Deterministic: the same files every run.
"""
from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FFMPEG = os.environ.get("FFMPEG", "ffmpeg")

DECODE_FAIL = {"corrupt", "unsupported-format", "limit-exceeded", "missing-frame", "no-stream"}


@dataclass
class Case:
    name: str                 # file name inside the inbox (the sample key is its stem)
    what: str                 # description for docs/robustness.md
    group: str                # category
    expect: object            # "ok", "any", or (stage, {reasons})
    key: str = ""             # sample key (defaults to the stem)
    extra: list = field(default_factory=list)   # other files the case wrote (sidecars)

    def __post_init__(self):
        if not self.key:
            self.key = self.name.rsplit(".", 1)[0] if "." in self.name else self.name


def _ff(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(w: int, h: int) -> bytes:
    """Valid chunks and CRCs declaring w x h RGB, with a tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_bomb(good_jpeg: bytes, w: int, h: int) -> bytes:
    """A real JPEG whose SOF0/SOF2 frame header is rewritten to declare w x h."""
    b = bytearray(good_jpeg)
    i = 2
    while i < len(b) - 9:
        if b[i] != 0xFF:
            i += 1
            continue
        marker = b[i + 1]
        seglen = struct.unpack(">H", b[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            b[i + 5:i + 7] = struct.pack(">H", h)
            b[i + 7:i + 9] = struct.pack(">H", w)
            return bytes(b)
        i += 2 + seglen
    raise ValueError("no SOF marker")


def gif(frames: int, w: int = 1, h: int = 1, screen: tuple[int, int] | None = None) -> bytes:
    """A GIF89a with `frames` 1-colour frames of w x h (LZW min code size 2) on a screen."""
    sw, sh = screen or (w, h)
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", sw, sh, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff")
    # One frame: GCE (delay 1), image descriptor, LZW data: clear, index 0 x (w*h), end.
    pixels = w * h
    frame = bytearray(b"\x21\xf9\x04\x00\x01\x00\x00\x00")
    frame += b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0)
    # Minimal LZW: code size 2 -> codes are 3 bits; clear(4) then 0s then end(5), re-clearing
    # before the table would grow the code size.
    codes = [4]
    run = 0
    for _ in range(pixels):
        codes.append(0)
        run += 1
        if run == 2:         # keep the table from growing: clear every 2 codes
            codes.append(4)
            run = 0
    codes.append(5)
    bits, nbits, data = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += 3
        while nbits >= 8:
            data.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        data.append(bits & 0xFF)
    frame += b"\x02"
    for k in range(0, len(data), 255):
        chunk = data[k:k + 255]
        frame += bytes([len(chunk)]) + chunk
    frame += b"\x00"
    out += bytes(frame) * frames
    out += b"\x3b"
    return bytes(out)


# --- MP4 box surgery -------------------------------------------------------------------------

def _boxes(b: bytes, start: int, end: int):
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", b[i:i + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", b[i + 8:i + 16])[0]
            header = 16
        elif size == 0:
            size = end - i
        if size < header:
            return
        yield i, size, kind, header
        i += size


def _find_box(b: bytes, path: list[bytes], start: int = 0, end: int | None = None):
    end = len(b) if end is None else end
    for i, size, kind, header in _boxes(b, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return i, size, header
            return _find_box(b, path[1:], i + header, i + size)
    return None


def mp4_rename_box(b: bytes, path: list[bytes], new: bytes) -> bytes:
    i, _, _ = _find_box(b, path)
    out = bytearray(b)
    out[i + 4:i + 8] = new
    return bytes(out)


def mp4_patch_stts(b: bytes, count: int | None = None, delta: int | None = None) -> bytes:
    """Rewrites the video track's first stts entry (sample count and/or delta)."""
    i, size, header = _find_box(b, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"])
    out = bytearray(b)
    entry = i + header + 8          # version/flags (4) + entry count (4)
    if count is not None:
        out[entry:entry + 4] = struct.pack(">I", count)
    if delta is not None:
        n = struct.unpack(">I", out[i + header + 4:i + header + 8])[0]
        for k in range(n):
            out[entry + 8 * k + 4:entry + 8 * k + 8] = struct.pack(">I", delta)
    return bytes(out)


# --- the corpus ------------------------------------------------------------------------------

def _good_media(src: Path) -> dict[str, Path]:
    """Small valid files of every container the corpus mutates."""
    src.mkdir(parents=True, exist_ok=True)
    lav = ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=1"]
    files = {
        "mp4": (lav + ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "v.mp4"),
        "mkv": (lav + ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "v.mkv"),
        "webm": (lav + ["-c:v", "libvpx-vp9", "-b:v", "100k"], "v.webm"),
        "gif": (lav + ["-frames:v", "5"], "v.gif"),
        "png": (lav + ["-frames:v", "1"], "i.png"),
        "jpg": (lav + ["-frames:v", "1", "-q:v", "3"], "i.jpg"),
    }
    out = {}
    for k, (args, name) in files.items():
        p = src / name
        if not p.exists():
            _ff(*args, str(p))
        out[k] = p
    # A moov-at-front MP4, so truncation hits the media data rather than the index.
    fast = src / "fast.mp4"
    if not fast.exists():
        _ff(*lav, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(fast))
    out["mp4-faststart"] = fast
    return out


def build(root: Path, sparse_gb: float = 1.0, big_sidecar_mb: int = 100) -> list[Case]:
    root = Path(root)
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    good = _good_media(root / "src")
    cases: list[Case] = []
    rng = random.Random(7)

    def put(name: str, data: bytes, what: str, group: str, expect) -> Case:
        (inbox / name).write_bytes(data)
        c = Case(name, what, group, expect)
        cases.append(c)
        return c

    # Good files, some with names FFmpeg or a shell would misread.
    for ext, p in [("mp4", good["mp4"]), ("mkv", good["mkv"]), ("webm", good["webm"]), ("gif", good["gif"]),
                   ("png", good["png"]), ("jpg", good["jpg"])]:
        put(f"good-{ext}.{ext}", p.read_bytes(), f"valid {ext}", "good", "ok")
    put("good-%d-%s.mp4", good["mp4"].read_bytes(), "valid mp4 named with printf patterns", "names", "ok")
    put("good-a:b.png", good["png"].read_bytes(), "valid png with ':' in its name", "names", "ok")
    put("-good-dash.jpg", good["jpg"].read_bytes(), "valid jpeg whose name starts with '-'", "names", "ok")
    put("good-file:x.mp4", good["mp4"].read_bytes(), "valid mp4 named like a protocol URL", "names", "ok")
    put("good-caption.png", good["png"].read_bytes(), "valid png with a UTF-8 caption", "good", "ok")
    (inbox / "good-caption.txt").write_text("a test pattern, caf\u00e9\n", encoding="utf-8")

    # Empty and tiny files.
    put("empty-mp4.mp4", b"", "zero-byte .mp4", "tiny", ("decode", {"corrupt"}))
    put("empty-png.png", b"", "zero-byte .png", "tiny", ("decode", {"corrupt"}))
    put("one-byte-mp4.mp4", b"\x00", "1-byte .mp4", "tiny", ("decode", {"unsupported-format"}))
    put("one-byte-jpg.jpg", b"\xff", "1-byte .jpg", "tiny", ("decode", {"unsupported-format"}))

    # Truncations at many offsets.
    fractions = [0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98]
    for ext, key in [("mp4", "mp4"), ("mp4", "mp4-faststart"), ("mkv", "mkv"), ("webm", "webm"),
                     ("png", "png"), ("jpg", "jpg"), ("gif", "gif")]:
        data = good[key].read_bytes()
        for f in fractions:
            n = max(1, int(len(data) * f))
            tag = key.replace("mp4-faststart", "mp4fast")
            put(f"trunc-{tag}-{int(f * 100):02d}.{ext}", data[:n], f"{key} truncated to {n} of {len(data)} bytes",
                "truncated", "truncated")

    # Bit flips at random offsets (past the signature, so each stays "that format").
    for ext, key in [("mp4", "mp4"), ("mkv", "mkv"), ("webm", "webm"), ("png", "png"), ("jpg", "jpg"), ("gif", "gif")]:
        data = good[key].read_bytes()
        for k in range(6):
            b = bytearray(data)
            offsets = sorted(rng.randrange(16, len(b)) for _ in range(1 + k * 4))
            for o in offsets:
                b[o] ^= 1 << rng.randrange(8)
            put(f"flip-{key}-{k}.{ext}", bytes(b), f"{key} with {len(offsets)} bit(s) flipped", "bit-flip", "any")

    # Structure damage.
    mp4 = good["mp4"].read_bytes()
    put("no-moov.mp4", mp4_rename_box(mp4, [b"moov"], b"junk"), "MP4 whose moov atom is renamed to an unknown box",
        "structure", ("decode", {"corrupt"}))
    put("only-mdat.mp4", mp4[:_find_box(mp4, [b"moov"])[0]], "MP4 cut before its moov atom (ftyp + mdat only)",
        "structure", ("decode", {"corrupt"}))

    # Dimension bombs.
    put("bomb-png.png", png_bomb(30000, 30000), "PNG declaring 30000x30000 (tiny IDAT)", "bomb",
        ("decode", {"limit-exceeded"}))
    put("bomb-png-wide.png", png_bomb(1_000_000, 200), "PNG declaring 1000000x200", "bomb",
        ("decode", {"limit-exceeded"}))
    put("bomb-jpeg.jpg", jpeg_bomb(good["jpg"].read_bytes(), 65000, 65000), "JPEG whose SOF declares 65000x65000",
        "bomb", ("decode", {"limit-exceeded"}))
    put("bomb-gif.gif", gif(1, 1, 1, screen=(65535, 65535)), "GIF with a 65535x65535 logical screen", "bomb",
        ("decode", {"limit-exceeded"}))
    bomb_video = root / "src" / "bomb.mkv"
    if not bomb_video.exists():
        _ff("-f", "lavfi", "-i", "color=black:size=9000x8000:rate=1", "-frames:v", "1", "-c:v", "ffv1",
            str(bomb_video))
    put("bomb-video.mkv", bomb_video.read_bytes(), "FFV1 video of 9000x8000 frames (above 8192x8192)", "bomb",
        ("decode", {"limit-exceeded"}))
    put("gif-100k-frames.gif", gif(100_000), "GIF with 100,000 frames", "bomb", ("decode", {"limit-exceeded"}))

    # Things that are not media files, named as media.
    seg = root / "src" / "seg.ts"
    if not seg.exists():
        _ff("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-c:v", "mpeg2video", str(seg))
    put("playlist.mp4", f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{seg}\n#EXTINF:1.0,\n/etc/passwd\n"
        "#EXT-X-ENDLIST\n".encode(), "HLS playlist named .mp4 (local segment and /etc/passwd)", "disguised",
        ("decode", {"unsupported-format"}))
    put("concat.mp4", f"ffconcat version 1.0\nfile '{seg}'\nfile '/etc/passwd'\n".encode(),
        "ffconcat list named .mp4", "disguised", ("decode", {"unsupported-format"}))
    put("session.mp4", b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        b"m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", "SDP file named .mp4", "disguised",
        ("decode", {"unsupported-format"}))
    put("text.jpg", b"hello, this is not a picture\n" * 20, "text file named .jpg", "disguised",
        ("decode", {"unsupported-format"}))
    put("html.webm", b"<!doctype html><html><body>nope</body></html>\n", "HTML named .webm", "disguised",
        ("decode", {"unsupported-format"}))
    put("zip.png", b"PK\x03\x04" + bytes(200), "zip header named .png", "disguised",
        ("decode", {"unsupported-format"}))
    put("elf.mp4", Path("/bin/true").read_bytes()[:65536], "ELF executable named .mp4", "disguised",
        ("decode", {"unsupported-format"}))
    put("pdf.gif", b"%PDF-1.4\n" + bytes(500), "PDF header named .gif", "disguised",
        ("decode", {"unsupported-format"}))

    # A sparse file of zeros.
    sparse = inbox / "sparse-zeros.mp4"
    with open(sparse, "wb") as f:
        f.truncate(int(sparse_gb * (1 << 30)))
    cases.append(Case("sparse-zeros.mp4", f"{sparse_gb:g} GB sparse file of zeros named .mp4", "size",
                      ("decode", {"unsupported-format"})))

    # Absurd metadata.
    put("zero-deltas.mp4", mp4_patch_stts(mp4, delta=0), "MP4 whose stts gives every frame a duration of 0 "
        "(frames end up sharing timestamps)", "metadata", ("decode", {"corrupt"}))
    still = root / "src" / "still.avi"
    if not still.exists():
        _ff("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-c:v", "mjpeg", str(still))
    fps0 = root / "src" / "fps0.mkv"
    if not fps0.exists():
        _ff("-i", str(still), "-c", "copy", "-bsf:v", "setts=ts=0:duration=0", str(fps0))
    put("fps-zero.mkv", fps0.read_bytes(), "MKV whose 10 frames all have timestamp 0 (fps 0)", "metadata",
        ("decode", {"corrupt"}))
    put("billion-frames.mp4", mp4_patch_stts(mp4, count=1_000_000_000), "MP4 whose stts declares 1e9 frames",
        "metadata", ("decode", {"limit-exceeded", "corrupt"}))
    neg = root / "src" / "neg.mkv"
    if not neg.exists():
        _ff("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-vf",
            "setpts='if(eq(N,0),-1000000000/TB,PTS)'", "-fps_mode", "passthrough", "-c:v", "mjpeg", str(neg))
    put("negative-ts.mkv", neg.read_bytes(), "MKV whose first frame is at -1e9 s (absurd negative timestamp)",
        "metadata", ("decode", {"limit-exceeded"}))

    # Sidecars.
    put("sidecar-bad-utf8.png", good["png"].read_bytes(), "good PNG with a caption that is not UTF-8", "sidecar",
        ("input", {"not-utf8"}))
    (inbox / "sidecar-bad-utf8.txt").write_bytes(b"caf\xe9 \xff\xfe\n")
    put("sidecar-huge.png", good["png"].read_bytes(), f"good PNG with a {big_sidecar_mb} MB caption", "sidecar",
        ("input", {"too-large"}))
    with open(inbox / "sidecar-huge.txt", "wb") as f:
        f.truncate(big_sidecar_mb << 20)
    put("sidecar-deep.png", good["png"].read_bytes(), "good PNG with a messages sidecar nested 100000 deep",
        "sidecar", ("input", {"json"}))
    (inbox / "sidecar-deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)

    # A thin (but valid) video: converts as a folder input.
    thin = root / "src" / "thin.mp4"
    if not thin.exists():
        _ff("-f", "lavfi", "-i", "testsrc2=size=32x536:rate=5:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            str(thin))
    put("thin-video.mp4", thin.read_bytes(), "valid 32x536 video", "good", "ok")

    # Manifests.
    manifest = inbox / "hostile.jsonl"
    lines = [
        json.dumps({"id": "m-good", "messages": [{"role": "user", "content": [
            {"type": "image", "image": "good-png.png"}, {"type": "text", "text": "describe"}]}]}),
        '{"id": "m-deep", "messages": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '[' * 200_000 + ']' * 200_000,
        json.dumps({"id": "m-escape", "messages": [{"role": "user", "content": [
            {"type": "image", "image": "../src/i.png"}]}]}),
        json.dumps({"id": "m-absolute", "messages": [{"role": "user", "content": [
            {"type": "image", "image": str(good["png"])}]}]}),
        json.dumps({"id": "m-url", "messages": [{"role": "user", "content": [
            {"type": "video", "video": "http://127.0.0.1:9/x.mp4"}]}]}),
        json.dumps({"id": "m-thin", "messages": [{"role": "user", "content": [
            {"type": "video", "video": "thin-video.mp4", "max_pixels": 12544}]}]}),
    ]
    raw = "\n".join(lines).encode() + b"\n" + b'{"id": "m-bad-utf8", "caption": "\xff"}\n'
    manifest.write_bytes(raw)
    cases += [
        Case("hostile.jsonl", "manifest record naming a good image", "manifest", "ok", key="m-good"),
        Case("hostile.jsonl", "manifest record nested 100000 deep (its id is not read either)", "manifest",
             ("input", {"json"}), key="hostile-000002"),
        Case("hostile.jsonl", "manifest line of 200000 nested arrays (no id)", "manifest", ("input", {"json"}),
             key="hostile-000003"),
        Case("hostile.jsonl", "manifest path escaping its folder (../)", "manifest", ("input", {"path"}),
             key="m-escape"),
        Case("hostile.jsonl", "manifest with an absolute path", "manifest", ("input", {"path"}), key="m-absolute"),
        Case("hostile.jsonl", "manifest naming an http URL", "manifest", ("input", {"path"}), key="m-url"),
        Case("hostile.jsonl", "manifest asking for max_pixels 12544 on a 32x536 video (a side would be 0; "
             "found by fuzz-media)", "manifest", ("resize", {"resize"}), key="m-thin"),
        Case("hostile.jsonl", "manifest line that is not UTF-8", "manifest", ("input", {"not-utf8"}),
             key="hostile-000008"),
    ]

    # A name that is not UTF-8.
    with open(os.fsencode(inbox) + b"/bad-name-\xff\xfe.png", "wb") as f:
        f.write(good["png"].read_bytes())
    cases.append(Case("bad-name-\ufffd\ufffd.png", "good PNG whose file name is not valid UTF-8", "names",
                      ("input", {"not-utf8"})))

    # File kinds a folder walk must refuse.
    os.symlink(good["png"], inbox / "link.png")
    cases.append(Case("link.png", "symlink to a good PNG", "file-kind", ("input", {"not-regular"})))
    os.mkfifo(inbox / "fifo.mp4")
    cases.append(Case("fifo.mp4", "fifo named .mp4 (would block a reader)", "file-kind", ("input", {"not-regular"})))
    (inbox / "dir.mp4").mkdir()
    cases.append(Case("dir.mp4", "directory named .mp4", "file-kind", ("input", {"not-regular"})))
    put("link-caption.png", good["png"].read_bytes(), "good PNG whose caption is a symlink to /etc/passwd",
        "file-kind", ("input", {"not-regular"}))
    os.symlink("/etc/passwd", inbox / "link-caption.txt")
    return cases
