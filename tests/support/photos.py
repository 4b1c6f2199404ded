"""Small real images (made with Pillow) for the tests that send photos."""
from __future__ import annotations

import os
import random
from io import BytesIO

from PIL import Image

from bot.ledger.images import plugins
from bot.messages import InboundFile

_FORMATS = {"png": ("PNG", "image/png"), "jpg": ("JPEG", "image/jpeg"), "heic": ("HEIF", "image/heic")}


def image_bytes(kind: str = "png", *, size: tuple[int, int] = (8, 8), seed: int = 0, noise: bool = False) -> bytes:
    """A real image; `seed` makes each one different (so each has its own checksum); `noise` makes it big."""
    fmt, _ = _FORMATS[kind]
    plugins()  # HEIC through pillow-heif
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        # a pattern of its own a seed (not one colour): each seed's picture differs for the perceptual hash too,
        # so photos of different seeds raise no authenticity hint (bot.ledger.photo_hints)
        rng = random.Random(seed)
        grid = Image.new("RGB", (9, 8))
        grid.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(72)])
        image = grid.resize(size, Image.Resampling.NEAREST)
    buf = BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def photo(name: str = "p.png", *, seed: int = 0, **kw: object) -> InboundFile:
    """A photo file named `name` (its extension picks PNG, JPEG or HEIC)."""
    kind = name.rsplit(".", 1)[-1]
    return InboundFile(name, image_bytes(kind, seed=seed, **kw), _FORMATS[kind][1])


def photos(*names: str, seed: int = 0) -> tuple[InboundFile, ...]:
    return tuple(photo(n, seed=seed + i) for i, n in enumerate(names))
