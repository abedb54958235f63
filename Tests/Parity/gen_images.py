#!/usr/bin/env python3
"""Deterministically generate the image parity test set.

    python gen_images.py OUT_DIR

Writes every generated image plus copies of the real photos in
Tests/Fixtures/images/ (as fixture-*) into OUT_DIR, and a manifest.json that
lists each file with its kind (see SPEC below). Content is seeded noise,
shapes, text-like glyph rows and a little gradient, so resampling and
patchify errors show up everywhere in the image, not only on smooth ramps.

Only Pillow and numpy are used. PNGs Pillow cannot write (16-bit RGB and
Adam7-interlaced) come from the small PNG encoder at the bottom of this file.
The bytes depend on the Pillow/libjpeg-turbo/libwebp versions doing the
encoding; the references are keyed by each file's sha256, so that is fine.

Kinds:
  normal   mmprep default output == processor(images=path)           (load_image path)
  alpha    image carries transparency; see reference_images.py for the two
           transformers paths (load_image drops alpha, a PIL input composites it)
  exif     JPEG with an EXIF Orientation tag; also tested with
           --set image.exif_orientation=false against a no-transpose reference
  grey16   16-bit grey PNG: documented deviation (Pillow clips to 255)
  refuse   aspect ratio > 200: the reference raises, mmprep must exit non-zero
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES_DIR = HERE.parent / "Fixtures" / "images"

# Real photos copied from shared/media/images into Tests/Fixtures/images.
FIXTURES = {
    "rocket.jpg": "normal",          # JPEG 4:2:0 with ICC profile
    "plant.jpg": "normal",           # JPEG, EXIF orientation 1
    "color.png": "normal",           # PNG RGB with ICC profile
    "indexed-3x5.png": "alpha",      # palette PNG with a tRNS alpha table
    "brick-grey.png": "normal",      # 8-bit grey PNG
    "logo-progressive.jpg": "normal",
    "testrotate.png": "normal",
}

SEED = 20240601


@dataclass
class Spec:
    name: str           # file name in OUT_DIR
    kind: str           # normal | alpha | exif | grey16 | refuse
    size: tuple         # (width, height) of the stored pixels (before EXIF rotation)
    note: str = ""
    large: bool = False  # only compared for a subset of presets (runtime)
    maker: object = field(default=None, repr=False)


# --------------------------------------------------------------------------
# content

_GLYPHS = None


def _glyphs(rng):
    global _GLYPHS
    if _GLYPHS is None:
        # 40 random 5x7 "letters" with a stem, so rows of them look like text.
        g = rng.random((40, 7, 5)) < 0.45
        g[:, :, 0] |= rng.random((40, 7)) < 0.5
        _GLYPHS = g
    return _GLYPHS


def content(w: int, h: int, seed: int, noise: int = 40, shapes: bool = True):
    """RGB uint8 array (h, w, 3): gradient + sinusoids + shapes + glyph rows + noise."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    base = np.empty((h, w, 3), np.float32)
    f1, f2, f3 = rng.uniform(2, 40, 3)
    base[..., 0] = 60 + 120 * x + 40 * np.sin(f1 * x * 6.28 + 3 * y)
    base[..., 1] = 50 + 150 * y + 35 * np.sin(f2 * y * 6.28)
    base[..., 2] = 128 + 90 * np.sin(f3 * (x + y) * 3.14)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")

    if shapes and w >= 4 and h >= 4:
        d = ImageDraw.Draw(img)
        n = int(min(60, max(3, (w * h) // 4000)))
        for _ in range(n):
            x0, x1 = sorted(rng.integers(0, w, 2).tolist())
            y0, y1 = sorted(rng.integers(0, h, 2).tolist())
            col = tuple(int(c) for c in rng.integers(0, 256, 3))
            k = int(rng.integers(0, 4))
            if k == 0:
                d.rectangle([x0, y0, x1, y1], fill=col)
            elif k == 1:
                d.ellipse([x0, y0, x1, y1], fill=col, outline=(0, 0, 0))
            elif k == 2:
                d.line([x0, y0, x1, y1], fill=col, width=int(rng.integers(1, 6)))
            else:
                pts = [tuple(int(v) for v in (rng.integers(0, w), rng.integers(0, h))) for _ in range(4)]
                d.polygon(pts, fill=col)
        arr = np.array(img)
        # text-like glyph rows on light bands
        glyphs = _glyphs(np.random.default_rng(SEED))
        scale = max(1, min(w, h) // 200)
        gh, gw = 7 * scale, 5 * scale
        lines = int(min(12, max(1, h // (gh * 4))))
        for _ in range(lines):
            if h <= gh + 4 or w <= gw + 4:
                break
            ty = int(rng.integers(2, h - gh - 2))
            tx = int(rng.integers(0, max(1, w // 3)))
            band_end = min(w, tx + int(rng.integers(gw * 5, max(gw * 6, w))))
            arr[max(0, ty - scale):ty + gh + scale, tx:band_end] = (235, 232, 220)
            cx = tx + scale
            while cx + gw < band_end:
                gl = glyphs[int(rng.integers(0, len(glyphs)))]
                blk = np.kron(gl, np.ones((scale, scale), bool))
                region = arr[ty:ty + gh, cx:cx + gw]
                region[blk] = (20, 20, 30)
                cx += gw + scale * (1 + (rng.random() < 0.2) * 3)
    else:
        arr = np.array(img)

    if noise:
        nz = rng.integers(-noise, noise + 1, size=arr.shape, dtype=np.int16)
        arr = np.clip(arr.astype(np.int16) + nz, 0, 255).astype(np.uint8)
    return arr


# --------------------------------------------------------------------------
# minimal PNG encoder (for what Pillow cannot write)

def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def _filter_rows(rows, bpp):
    """Filter each scanline (uint8 2-D array) with types cycling 0..4; returns bytes."""
    import numpy as np

    out = bytearray()
    prev = np.zeros(rows.shape[1], np.int32)
    for i, row in enumerate(rows.astype(np.int32)):
        ft = i % 5
        left = np.concatenate([np.zeros(bpp, np.int32), row[:-bpp]]) if row.size > bpp else np.zeros_like(row)
        upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]]) if row.size > bpp else np.zeros_like(row)
        if ft == 0:
            f = row
        elif ft == 1:
            f = row - left
        elif ft == 2:
            f = row - prev
        elif ft == 3:
            f = row - (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = np.abs(p - left), np.abs(p - prev), np.abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
            f = row - pred
        out.append(ft)
        out += (f & 0xFF).astype(np.uint8).tobytes()
        prev = row
    return bytes(out)


def write_png(path, arr, interlace=False):
    """arr: (h, w, 3) uint8 or uint16 RGB. Writes colour type 2, bit depth 8/16."""
    import numpy as np

    h, w, c = arr.shape
    assert c == 3
    depth = 16 if arr.dtype == np.uint16 else 8
    bpp = 3 * depth // 8

    def raw(sub):
        if depth == 16:
            b = sub.astype(">u2").view(np.uint8).reshape(sub.shape[0], -1)
        else:
            b = sub.reshape(sub.shape[0], -1)
        return _filter_rows(b, bpp)

    if interlace:
        data = b""
        for xs, ys, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                               (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
            sub = arr[ys::dy, xs::dx]
            if sub.shape[0] and sub.shape[1]:
                data += raw(np.ascontiguousarray(sub))
    else:
        data = raw(arr)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, 2, 0, 0, 1 if interlace else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
                + _png_chunk(b"IDAT", zlib.compress(data, 9)) + _png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------
# makers: each takes (path, spec, seed)

def _rgb(spec, seed, **kw):
    w, h = spec.size
    return content(w, h, seed, **kw)


def mk_png(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed)).save(path)


def mk_jpeg(subsampling=2, progressive=False, quality=90, noise=40):
    def f(path, spec, seed):
        from PIL import Image
        Image.fromarray(_rgb(spec, seed, noise=noise)).save(
            path, "JPEG", quality=quality, subsampling=subsampling, progressive=progressive)
    return f


def mk_jpeg_grey(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed)).convert("L").save(path, "JPEG", quality=90)


def mk_jpeg_cmyk(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed)).convert("CMYK").save(path, "JPEG", quality=90)


def mk_jpeg_exif(orientation):
    def f(path, spec, seed):
        from PIL import Image
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(_rgb(spec, seed)).save(path, "JPEG", quality=90, exif=exif.tobytes())
    return f


def mk_palette(trns=None):
    def f(path, spec, seed):
        import numpy as np
        from PIL import Image
        im = Image.fromarray(_rgb(spec, seed)).quantize(colors=200)
        if trns == "index":
            # index of the most common colour becomes fully transparent
            idx = int(np.bincount(np.array(im).ravel()).argmax())
            im.save(path, transparency=idx)
        elif trns == "table":
            rng = np.random.default_rng(seed + 1)
            table = rng.integers(0, 256, 200, dtype=np.uint8)
            table[:20] = 0
            table[20:60] = 255
            im.save(path, transparency=table.tobytes())
        else:
            im.save(path)
    return f


def _alpha(w, h, seed):
    import numpy as np
    rng = np.random.default_rng(seed + 7)
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    a = (255 * (0.5 + 0.5 * np.sin(9 * x + 5 * y))).astype(np.int16)
    a += rng.integers(-30, 31, a.shape, dtype=np.int16)
    a = np.clip(a, 0, 255).astype(np.uint8)
    a[: h // 5] = 0          # fully transparent band
    a[-(h // 5):] = 255      # fully opaque band
    return a


def mk_rgba(path, spec, seed):
    import numpy as np
    from PIL import Image
    w, h = spec.size
    arr = np.dstack([_rgb(spec, seed), _alpha(w, h, seed)])
    Image.fromarray(arr, "RGBA").save(path)


def mk_la(path, spec, seed):
    import numpy as np
    from PIL import Image
    w, h = spec.size
    grey = np.array(Image.fromarray(_rgb(spec, seed)).convert("L"))
    Image.fromarray(np.dstack([grey, _alpha(w, h, seed)]), "LA").save(path)


def mk_rgb_trns(path, spec, seed):
    from PIL import Image, ImageDraw
    arr = _rgb(spec, seed)
    im = Image.fromarray(arr)
    d = ImageDraw.Draw(im)
    w, h = spec.size
    key = (12, 34, 56)
    d.ellipse([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=key)
    im.save(path, transparency=key)


def mk_grey(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed)).convert("L").save(path)


def grey16_array(w, h, seed):
    """16-bit grey content using the full range (most values are > 255)."""
    import numpy as np
    from PIL import Image
    g8 = np.array(Image.fromarray(content(w, h, seed)).convert("L")).astype(np.uint32)
    rng = np.random.default_rng(seed + 3)
    return (g8 * 257 + rng.integers(0, 257, g8.shape)).clip(0, 65535).astype(np.uint16)


def mk_grey16(path, spec, seed):
    from PIL import Image
    w, h = spec.size
    Image.fromarray(grey16_array(w, h, seed)).save(path)   # mode I;16 -> 16-bit grey PNG


def mk_rgb16(path, spec, seed):
    import numpy as np
    rng = np.random.default_rng(seed + 5)
    a8 = _rgb(spec, seed).astype(np.uint32)
    write_png(path, (a8 * 257 + rng.integers(0, 257, a8.shape)).clip(0, 65535).astype(np.uint16))


def mk_interlaced(path, spec, seed):
    write_png(path, _rgb(spec, seed), interlace=True)


def mk_webp(lossless):
    def f(path, spec, seed):
        from PIL import Image
        if lossless:
            Image.fromarray(_rgb(spec, seed)).save(path, "WEBP", lossless=True, quality=80, method=4)
        else:
            Image.fromarray(_rgb(spec, seed)).save(path, "WEBP", quality=80, method=4)
    return f


def mk_webp_rgba(path, spec, seed):
    import numpy as np
    from PIL import Image
    w, h = spec.size
    arr = np.dstack([_rgb(spec, seed), _alpha(w, h, seed)])
    Image.fromarray(arr, "RGBA").save(path, "WEBP", lossless=True, method=4)


def mk_simple(fmt, **kw):
    def f(path, spec, seed):
        from PIL import Image
        Image.fromarray(_rgb(spec, seed)).save(path, fmt, **kw)
    return f


def mk_gif(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed)).quantize(colors=128).save(path, "GIF")


def mk_big_jpeg(path, spec, seed):
    from PIL import Image
    Image.fromarray(_rgb(spec, seed, noise=12)).save(path, "JPEG", quality=85)


# --------------------------------------------------------------------------
# the set

def _specs():
    S = []

    def add(name, kind, size, maker, note="", large=False):
        S.append(Spec(name, kind, size, note, large, maker))

    # odd sizes
    add("odd-1x1.png", "normal", (1, 1), mk_png)
    add("odd-3x500.png", "normal", (3, 500), mk_png)
    add("odd-500x3.png", "normal", (500, 3), mk_png)
    add("odd-37x100.png", "normal", (37, 100), mk_png)
    add("odd-100x37.png", "normal", (100, 37), mk_png)
    add("odd-97x61-420.jpg", "normal", (97, 61), mk_jpeg(2), "odd size with chroma subsampling")
    # aspect ratio limit: exactly 200 is allowed, anything above is refused
    add("aspect-1000x5.png", "normal", (1000, 5), mk_png, "200:1, allowed")
    add("aspect-5x1000.png", "normal", (5, 1000), mk_png, "1:200, allowed")
    add("aspect-201x1.png", "refuse", (201, 1), mk_png, "201:1, refused")
    add("aspect-5x1005.png", "refuse", (5, 1005), mk_png, "1:201, refused")
    add("aspect-401x2.png", "refuse", (401, 2), mk_png, "200.5:1, refused")
    # min-pixel bound (tiny images are scaled up)
    add("tiny-10x10.png", "normal", (10, 10), mk_png)
    add("small-50x60.png", "normal", (50, 60), mk_png)
    add("small-200x150.png", "normal", (200, 150), mk_png, "below qwen3 min only")
    add("round-1280x720.png", "normal", (1280, 720), mk_png, "720/32 = 22.5 rounds half-even")
    # resize pass order: Pillow 12.3's Image.resize does the vertical pass first when
    # in_h > 100 * in_w and out_h < in_h (Pillow 13 decides in C: out_h < in_h and
    # in_h - out_h > 2 * (in_w - out_w)); these sit on both sides of the 100x boundary
    add("tall-60x9000.png", "normal", (60, 9000), mk_png, "150:1, shrinks in height")
    add("tall-30x3000.png", "normal", (30, 3000), mk_png, "exactly 100:1")
    add("tall-30x3001.png", "normal", (30, 3001), mk_png, "just above 100:1")
    add("mid-1023x769.png", "normal", (1023, 769), mk_png)
    # max-pixel bound
    add("big-4000x3000.jpg", "normal", (4000, 3000), mk_big_jpeg, "under both max bounds", large=True)
    add("huge-5000x3600.jpg", "normal", (5000, 3600), mk_big_jpeg, "over both max bounds", large=True)
    # PNG flavours
    add("png-palette.png", "normal", (211, 150), mk_palette(None))
    add("png-palette-trns-index.png", "alpha", (211, 150), mk_palette("index"), "tRNS: one transparent index")
    add("png-palette-trns-table.png", "alpha", (211, 150), mk_palette("table"), "tRNS: alpha table")
    add("png-rgba.png", "alpha", (230, 170), mk_rgba)
    add("png-la.png", "alpha", (170, 230), mk_la)
    add("png-rgb-trns.png", "alpha", (190, 140), mk_rgb_trns, "RGB with tRNS colour key")
    add("png-grey.png", "normal", (190, 143), mk_grey)
    add("png-grey16.png", "grey16", (190, 143), mk_grey16)
    add("png-rgb16.png", "normal", (181, 133), mk_rgb16, "16-bit RGB: Pillow keeps the high byte")
    add("png-interlaced.png", "normal", (197, 131), mk_interlaced, "Adam7")
    # JPEG flavours
    add("jpeg-baseline.jpg", "normal", (320, 240), mk_jpeg(2))
    add("jpeg-progressive.jpg", "normal", (321, 241), mk_jpeg(2, progressive=True))
    add("jpeg-grey.jpg", "normal", (300, 200), mk_jpeg_grey)
    add("jpeg-cmyk.jpg", "normal", (300, 200), mk_jpeg_cmyk, "Adobe CMYK")
    add("jpeg-420.jpg", "normal", (333, 257), mk_jpeg(2))
    add("jpeg-422.jpg", "normal", (333, 257), mk_jpeg(1))
    add("jpeg-444.jpg", "normal", (333, 257), mk_jpeg(0))
    for o in (2, 3, 4, 5, 6, 7, 8):
        add(f"exif-orient{o}.jpg", "exif", (150, 90), mk_jpeg_exif(o), f"EXIF orientation {o}")
    # other formats
    add("webp-lossy.webp", "normal", (300, 210), mk_webp(False))
    add("webp-lossless.webp", "normal", (300, 210), mk_webp(True))
    add("webp-lossless-rgba.webp", "alpha", (250, 190), mk_webp_rgba)
    add("bmp-rgb.bmp", "normal", (203, 151), mk_simple("BMP"))
    add("tiff-raw.tif", "normal", (203, 151), mk_simple("TIFF"))
    add("tiff-lzw.tif", "normal", (203, 151), mk_simple("TIFF", compression="tiff_lzw"))
    add("gif-palette.gif", "normal", (203, 151), mk_gif)
    # real photos
    for fname, kind in FIXTURES.items():
        add("fixture-" + fname, kind, None, None, "copied from Tests/Fixtures/images")
    return S


SPECS = _specs()


def spec_by_name():
    return {s.name: s for s in SPECS}


def generator_key() -> str:
    """Hash of this script, the fixtures and the Pillow version: names an image directory."""
    import PIL
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    for fname in sorted(FIXTURES):
        h.update(fname.encode())
        h.update((FIXTURES_DIR / fname).read_bytes())
    h.update(PIL.__version__.encode())
    return h.hexdigest()[:16]


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def generate(out_dir) -> dict:
    """Generate everything into out_dir (skipped when its manifest matches this generator)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    key = generator_key()
    man_path = out / "manifest.json"
    if man_path.exists():
        man = json.loads(man_path.read_text())
        if man.get("generator_key") == key and all((out / e["name"]).exists() for e in man["images"]):
            return man
    import PIL
    entries = []
    for i, s in enumerate(SPECS):
        p = out / s.name
        if s.maker is None:
            shutil.copyfile(FIXTURES_DIR / s.name[len("fixture-"):], p)
        else:
            tmp = p.with_name(p.name + ".tmp" + p.suffix)
            s.maker(tmp, s, SEED + 101 * i)
            os.replace(tmp, p)
        entries.append({"name": s.name, "kind": s.kind, "large": s.large, "note": s.note,
                        "sha256": sha256_file(p)})
    man = {"generator_key": key, "pillow": PIL.__version__, "images": entries}
    man_path.write_text(json.dumps(man, indent=1))
    return man


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    man = generate(argv[1])
    print(f"{len(man['images'])} images in {argv[1]} (generator {man['generator_key']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
