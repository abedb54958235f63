"""mmprep must refuse hostile or broken inputs cleanly.

For each input below, both `mmprep probe FILE --json` and
`mmprep preprocess FILE --pipeline qwen2-vl --output o.safetensors` must:
  * exit with a positive status (a negative returncode means death by signal),
  * finish within 60 s,
  * print to stderr an error that names the file and gives a reason,
  * not leak the content of files a playlist points at, and
  * (preprocess) not leave an output file behind.

Inputs: a concat-demuxer list named x.mp4 (pointing at /etc/passwd, and a variant
pointing at a valid local segment), an HLS playlist named y.mp4 (pointing at a
valid local segment, and a variant pointing at /etc/passwd), a PNG whose IHDR
declares 30000x30000 (valid chunks and CRCs, tiny IDAT), zero-byte z.mp4 / z.png,
and text files named t.jpg / t.mp4.

The binary is $MMPREP_BIN (default .build/debug/mmprep); a missing binary FAILS.
"""
from __future__ import annotations

import os
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
MMPREP_BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("FFPROBE", "ffprobe")
TIMEOUT = 60


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(w: int = 30000, h: int = 30000) -> bytes:
    """A well-formed PNG (signature, IHDR, IDAT, IEND, correct CRCs) declaring w x h RGB,
    with a tiny IDAT (one filter byte and a few zero pixels, a valid zlib stream)."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x00" * 3 * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


# name -> (builder(dir) -> Path, label); builders write into a per-test directory
def _write(d: Path, name: str, data: bytes) -> Path:
    p = d / name
    p.write_bytes(data)
    return p


def _segment(d: Path) -> Path:
    """A real, decodable MPEG-TS segment next to the playlists."""
    seg = d / "seg0.ts"
    if not seg.exists():
        subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                        "-i", "testsrc2=s=176x144:r=25,format=yuv420p", "-frames:v", "10",
                        "-c:v", "libx264", "-f", "mpegts", str(seg)], check=True, timeout=120)
    return seg


def make_concat_passwd(d):
    return _write(d, "x.mp4", b"ffconcat version 1.0\nfile '/etc/passwd'\n")


def make_concat_local(d):
    _segment(d)
    return _write(d, "xv.mp4", b"ffconcat version 1.0\nfile 'seg0.ts'\n")


def make_hls_local(d):
    _segment(d)
    return _write(d, "y.mp4", (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n"
                               b"#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:0.4,\nseg0.ts\n#EXT-X-ENDLIST\n"))


def make_hls_passwd(d):
    return _write(d, "y2.mp4", (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n"
                                b"#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"))


INPUTS = {
    "concat-passwd": make_concat_passwd,
    "concat-local": make_concat_local,
    "hls-local": make_hls_local,
    "hls-passwd": make_hls_passwd,
    "png-30000x30000": lambda d: _write(d, "big.png", huge_png()),
    "empty-mp4": lambda d: _write(d, "z.mp4", b""),
    "empty-png": lambda d: _write(d, "z.png", b""),
    "text-jpg": lambda d: _write(d, "t.jpg", b"This is a plain text file, not a JPEG.\n" * 4),
    "text-mp4": lambda d: _write(d, "t.mp4", b"This is a plain text file, not an MP4 video.\n" * 4),
}
PLAYLISTS = {"concat-passwd", "concat-local", "hls-local", "hls-passwd"}

COMMANDS = {
    "probe": lambda f, out: ["probe", str(f), "--json"],
    "preprocess": lambda f, out: ["preprocess", str(f), "--pipeline", "qwen2-vl", "--output", str(out)],
}

# loose: the playlist refusal should say why (format not allowed / unsupported ...)
POLICY_WORDS = re.compile(
    r"format|allow|support|playlist|hls|m3u|concat|demux|protocol|refus|reject|permit|forbid|not an? (image|video)",
    re.I)


@pytest.fixture(scope="session")
def mmprep() -> str:
    p = Path(MMPREP_BIN)
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mmprep binary not found or not executable: {p} (set MMPREP_BIN or build it); "
                    "these tests fail rather than skip so CI cannot go green without the binary",
                    pytrace=False)
    return str(p)


def _passwd_markers() -> list[str]:
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        return []
    return [ln for ln in lines[:3] if ln.strip()]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(INPUTS))
def test_refuses_cleanly(case, command, mmprep, tmp_path):
    f = INPUTS[case](tmp_path)
    out = tmp_path / "o.safetensors"
    argv = [mmprep, *COMMANDS[command](f, out)]
    try:
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(argv)} hung (> {TIMEOUT} s)")
    err = p.stderr.decode(errors="replace")
    ctx = f"\n$ {' '.join(argv)}\nrc={p.returncode}\nstderr:\n{err}\nstdout:\n{p.stdout[:500]!r}"
    assert p.returncode != 0, "accepted a file it must refuse" + ctx
    assert p.returncode > 0, f"died from signal {-p.returncode} instead of exiting with an error" + ctx
    assert "Fatal error" not in err and "Stack dump" not in err, "crashed instead of refusing" + ctx
    assert f.name in err, f"stderr does not name the file {f.name!r}" + ctx
    reason = err.replace(str(f), "").replace(f.name, "")
    assert re.search(r"[A-Za-z]{3,}.*[A-Za-z]{3,}", reason, re.S), "stderr gives no reason" + ctx
    both = err + p.stdout.decode(errors="replace")
    for line in _passwd_markers():
        assert line not in both, "leaked the content of /etc/passwd" + ctx
    if command == "preprocess":
        assert not out.exists(), f"left an output file behind ({out.stat().st_size} bytes)" + ctx
    if case in PLAYLISTS:
        assert POLICY_WORDS.search(reason), "the refusal of a playlist should say the format is not allowed" + ctx


# --------------------------------------------------------------------------- self-checks of the inputs
# (no binary needed: they prove the hostile files are what the tests claim)

def _ffprobe_format(path: Path, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([FFPROBE, "-v", "error", *extra, "-show_entries", "format=format_name:stream=width,height",
                           "-of", "compact=p=0", str(path)], capture_output=True, text=True, timeout=TIMEOUT,
                          cwd=path.parent)


def test_input_png_is_well_formed(tmp_path):
    data = huge_png()
    assert len(data) < 200
    # walk the chunks and verify every CRC
    pos, kinds = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        kinds.append(kind)
        pos += 12 + n
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    f = _write(tmp_path, "big.png", data)
    # Pillow parses the header (FFmpeg's png decoder rejects the size outright)
    from PIL import Image
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(f) as im:
            assert (im.format, im.size, im.mode) == ("PNG", (30000, 30000), "RGB")
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def test_input_playlists_would_play(tmp_path):
    """The local-segment playlists really are concat/HLS inputs FFmpeg would follow if let."""
    p = _ffprobe_format(make_hls_local(tmp_path))
    assert "format_name=hls" in p.stdout, p.stdout + p.stderr
    p = _ffprobe_format(make_concat_local(tmp_path), "-safe", "0")
    assert "format_name=concat" in p.stdout, p.stdout + p.stderr
