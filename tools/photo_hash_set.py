"""Measure the perceptual hashes on a synthetic photo set (issue #25 item 3): which hash and which distance tell a
copy of a photo (re-encoded, resized, slightly cropped, brightened) from a different photo, even of the same scene.

    python tools/photo_hash_set.py [--scenes 60]

A scene is random shapes over a gradient with noise (a "place"); its copies must match (a miss is a false
negative); a second shot of the same scene (objects moved a little, the camera a little aside) and every other
scene must not (a match is a false positive). Prints, for each hash kind, the rates at each threshold.
"""
from __future__ import annotations

import argparse
import io
import random

import imagehash
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

W, H = 640, 480


def scene(seed: int, shift: float = 0.0, aside: int = 0) -> Image.Image:
    """A "place": the same seed is the same place; `shift` moves its loose objects, `aside` moves the camera."""
    rnd = random.Random(seed)
    top, bottom = [tuple(rnd.randrange(256) for _ in range(3)) for _ in range(2)]
    img = Image.new("RGB", (W + 80, H + 80))
    d = ImageDraw.Draw(img)
    for y in range(H + 80):
        t = y / (H + 80)
        d.line([(0, y), (W + 80, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    moved = random.Random(seed * 7919 + int(shift * 1000))
    for i in range(rnd.randrange(6, 14)):
        x, y = rnd.randrange(W), rnd.randrange(H)
        w, h = rnd.randrange(30, 220), rnd.randrange(30, 220)
        if shift and i % 2:  # the loose things (bins, chairs, boxes) are somewhere else in the second shot
            x += int(moved.uniform(-1, 1) * shift * W)
            y += int(moved.uniform(-1, 1) * shift * H)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        (d.ellipse if rnd.random() < 0.4 else d.rectangle)([x, y, x + w, y + h], fill=colour)
    noise = Image.effect_noise((W + 80, H + 80), 18).convert("RGB")
    img = Image.blend(img, noise, 0.08).filter(ImageFilter.GaussianBlur(0.6))
    return img.crop((40 + aside, 40, 40 + aside + W, 40 + H))


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def copies(img: Image.Image) -> dict[str, Image.Image]:
    return {
        "re-encoded q50": jpeg(img, 50),
        "resized 50% + q70": jpeg(img.resize((W // 2, H // 2)), 70),
        "cropped 5%": img.crop((16, 12, W - 16, H - 12)),
        "brightness +20%": ImageEnhance.Brightness(img).enhance(1.2),
        "screenshot-ish 1280 wide": jpeg(img.resize((1280, 960)), 85),
    }


def shares_band(a: imagehash.ImageHash, b: imagehash.ImageHash) -> bool:
    x, y = int(str(a), 16), int(str(b), 16)
    return any((x >> (16 * i)) & 0xFFFF == (y >> (16 * i)) & 0xFFFF for i in range(4))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=60)
    ap.add_argument("--only", help="one hash kind")
    n = ap.parse_args().scenes
    kinds = {"phash": imagehash.phash, "dhash": imagehash.dhash, "ahash": imagehash.average_hash,
             "whash": imagehash.whash}
    if ap.parse_args().only:
        kinds = {k: v for k, v in kinds.items() if k == ap.parse_args().only}
    originals = [scene(s) for s in range(n)]
    retakes = [scene(s, shift=0.15, aside=30) for s in range(n)]
    for name, fn in kinds.items():
        orig = [fn(o) for o in originals]
        same = [fn(c) - orig[i] for i, o in enumerate(originals) for c in copies(o).values()]
        retake = [fn(r) - orig[i] for i, r in enumerate(retakes)]
        other = [orig[i] - orig[j] for i in range(n) for j in range(i + 1, n)]
        print(f"{name}: copies max {max(same)} mean {sum(same) / len(same):.1f}; retakes min {min(retake)} "
              f"mean {sum(retake) / len(retake):.1f}; other scenes min {min(other)}")
        pairs = [(fn(c), orig[i]) for i, o in enumerate(originals) for c in copies(o).values()]
        banded = [a for a, b in pairs if (a - b) <= 8 and shares_band(a, b)]
        print(f"  copies within 8 bits that share a 16-bit band (found by the index): "
              f"{len(banded)}/{sum((a - b) <= 8 for a, b in pairs)}")
        for t in (4, 6, 8, 10, 12, 14):
            fn_rate = sum(d > t for d in same) / len(same)
            fp_retake = sum(d <= t for d in retake) / len(retake)
            fp_other = sum(d <= t for d in other) / len(other)
            print(f"  <= {t:2d}: false negatives {fn_rate:6.1%} ({len(same)} copies)  false positives "
                  f"retakes {fp_retake:6.1%} ({len(retake)})  other scenes {fp_other:6.2%} ({len(other)})")


if __name__ == "__main__":
    main()
