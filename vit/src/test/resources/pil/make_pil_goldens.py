#!/usr/bin/python3
"""Regenerates the PIL goldens of the vit tests (run from this directory with Debian's python3-pil, Pillow 9.4):

    /usr/bin/python3 make_pil_goldens.py

resize/*.png   inputs and Image.resize(size, BICUBIC) outputs: several sizes, up- and down-scaling, one axis
               only, 1-pixel-wide edges, extreme ratios, hard edges that make the cubic kernel overshoot.
convert/*.png  inputs in many PNG colour layouts (some written by hand below: PIL cannot write them) and the
               Image.open(f).convert('RGB') result, plus one greyscale JPEG.
cases.json     the list the tests read.
Output is deterministic (fixed seed)."""
import json
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image

assert PIL.__version__.startswith("9.4"), "the goldens pin Pillow 9.4 (Debian's python3-pil), found " + PIL.__version__
rng = np.random.default_rng(20260101)
os.makedirs("resize", exist_ok=True)
os.makedirs("convert", exist_ok=True)


def noise(w, h):
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def smooth(w, h):
    """Gradients plus a few hard-edged shapes: compresses well, and the edges make bicubic overshoot."""
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 127 // max(w + h - 2, 1)], -1)
    a[h // 4: h // 2, w // 5: w // 2] = [255, 255, 255]
    a[h // 2: 3 * h // 4, w // 2: 4 * w // 5] = [0, 0, 0]
    a[(x - 2 * w // 3) ** 2 + (y - h // 4) ** 2 < (min(w, h) // 6) ** 2] = [250, 10, 40]
    return Image.fromarray(a.astype(np.uint8), "RGB")


def checker(w, h, cell):
    y, x = np.mgrid[0:h, 0:w]
    v = (((x // cell) + (y // cell)) % 2 * 255).astype(np.uint8)
    return Image.fromarray(np.stack([v, 255 - v, v], -1), "RGB")


resize_cases = [
    ("noise_37x23_to_19x11", noise(37, 23), (19, 11)),
    ("noise_24x18_to_53x40", noise(24, 18), (53, 40)),
    ("noise_50x30_to_21x30", noise(50, 30), (21, 30)),      # horizontal pass only
    ("noise_30x50_to_30x77", noise(30, 50), (30, 77)),      # vertical pass only
    ("noise_1x17_to_1x6", noise(1, 17), (1, 6)),            # 1 px wide in and out
    ("noise_1x9_to_5x20", noise(1, 9), (5, 20)),            # 1 px wide, upscaled
    ("noise_13x1_to_4x3", noise(13, 1), (4, 3)),            # 1 px high
    ("noise_9x7_to_1x1", noise(9, 7), (1, 1)),
    ("noise_1x1_to_3x2", noise(1, 1), (3, 2)),
    ("noise_5x4_to_64x51", noise(5, 4), (64, 51)),          # strong upscale
    ("noise_200x7_to_17x2", noise(200, 7), (17, 2)),        # strong downscale
    ("smooth_95x63_to_56x37", smooth(95, 63), (56, 37)),    # the demo's kind of downscale (570x380 -> 336x224)
    ("smooth_160x120_to_298x224", smooth(160, 120), (298, 224)),  # short side to 224, upscale
    ("checker_16x16_to_37x37", checker(16, 16, 2), (37, 37)),
    ("checker_40x40_to_23x23", checker(40, 40, 1), (23, 23)),
]
cases = {"pillow": PIL.__version__, "resize": [], "convert": []}
for name, im, (w, h) in resize_cases:
    src, dst = "resize/%s.png" % name, "resize/%s.out.png" % name
    im.save(src)
    Image.open(src).convert("RGB").resize((w, h), Image.BICUBIC).save(dst)
    cases["resize"].append({"input": src, "output": dst, "width": w, "height": h})


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, w, h, colour_type, bit_depth, rows, extra=b""):
    """A minimal PNG writer (filter 0) for layouts PIL cannot save: rows = list of raw scanline bytes."""
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
                + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def pack_bits(values, bits):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc, n = (acc << bits) | int(v), n + bits
        if n == 8:
            out.append(acc); acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


W, H = 7, 5
convert_inputs = []
Image.fromarray(rng.integers(0, 256, (H, W), dtype=np.uint8), "L").save("convert/grey8.png"); convert_inputs.append("grey8.png")
Image.fromarray(rng.integers(0, 256, (H, W, 2), dtype=np.uint8), "LA").save("convert/grey_alpha.png"); convert_inputs.append("grey_alpha.png")
Image.fromarray(rng.integers(0, 256, (H, W, 4), dtype=np.uint8), "RGBA").save("convert/rgba.png"); convert_inputs.append("rgba.png")
Image.fromarray(rng.integers(0, 2, (H, W), dtype=np.uint8) * 255, "L").convert("1").save("convert/bilevel.png"); convert_inputs.append("bilevel.png")
pal = Image.fromarray(rng.integers(0, 12, (H, W), dtype=np.uint8), "P")
pal.putpalette(list(rng.integers(0, 256, 12 * 3, dtype=np.uint8)))
pal.save("convert/palette_trns.png", transparency=3); convert_inputs.append("palette_trns.png")
pal.save("convert/palette_4bit.png", bits=4); convert_inputs.append("palette_4bit.png")
Image.fromarray(rng.integers(0, 65536, (H, W), dtype=np.uint16).astype(np.uint16)).save("convert/grey16.png")  # PIL clips it to 255
convert_inputs.append("grey16.png")
g4 = rng.integers(0, 16, (H, W))
write_png("convert/grey4.png", W, H, 0, 4, [pack_bits(r, 4) for r in g4]); convert_inputs.append("grey4.png")
g2 = rng.integers(0, 4, (H, W))
write_png("convert/grey2.png", W, H, 0, 2, [pack_bits(r, 2) for r in g2]); convert_inputs.append("grey2.png")
rgb16 = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16)
write_png("convert/rgb16.png", W, H, 2, 16, [r.astype(">u2").tobytes() for r in rgb16]); convert_inputs.append("rgb16.png")
rgba16 = rng.integers(0, 65536, (H, W, 4), dtype=np.uint16)
write_png("convert/rgba16.png", W, H, 6, 16, [r.astype(">u2").tobytes() for r in rgba16]); convert_inputs.append("rgba16.png")
rgb8 = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
rgb8[0, 0] = [1, 2, 3]
write_png("convert/rgb_trns.png", W, H, 2, 8, [r.tobytes() for r in rgb8],
          extra=png_chunk(b"tRNS", struct.pack(">HHH", 1, 2, 3))); convert_inputs.append("rgb_trns.png")
smooth(40, 30).convert("L").save("convert/grey.jpg", quality=90); convert_inputs.append("grey.jpg")
for name in convert_inputs:
    expected = "convert/%s.rgb.png" % name.rsplit(".", 1)[0]
    with Image.open("convert/" + name) as im:
        mode = im.mode
        im.convert("RGB").save(expected)
    cases["convert"].append({"input": "convert/" + name, "expected": expected, "pil_mode": mode})

with open("cases.json", "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
