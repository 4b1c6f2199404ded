"""Real photo files written by Pillow for the authenticity hints: a scene (tools/photo_hash_set.py draws it), its
copies, a second shot of the same place, and JPEGs with EXIF 拍摄时间 and GPS — or a malformed EXIF block."""
from __future__ import annotations

import io

from PIL import Image

from bot.messages import InboundFile
from tools.photo_hash_set import scene

EXIF_IFD, GPS_IFD = 0x8769, 0x8825


def jpeg(img: Image.Image, *, quality: int = 90, exif: Image.Exif | bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {"exif": exif.tobytes() if isinstance(exif, Image.Exif) else exif} if exif is not None else {}
    img.save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def place(seed: int, *, retake: bool = False) -> Image.Image:
    """A place; `retake`: a second photo of it (things moved, the camera a little aside)."""
    return scene(seed, shift=0.15, aside=30) if retake else scene(seed)


def with_exif(img: Image.Image, *, taken: str | None = None, offset: str | None = None,
              gps: tuple[float, float] | None = None) -> bytes:
    exif = Image.Exif()
    if taken is not None:
        sub = exif.get_ifd(EXIF_IFD)
        sub[0x9003] = taken  # DateTimeOriginal "YYYY:MM:DD HH:MM:SS"
        if offset is not None:
            sub[0x9011] = offset  # OffsetTimeOriginal "+08:00"
    if gps is not None:
        lat, lon = gps
        exif.get_ifd(GPS_IFD).update({1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W",
                                      4: _dms(abs(lon))})
    return jpeg(img, exif=exif)


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    return (float(d), float(m), round((value - d - m / 60) * 3600, 2))


def malformed_exif(img: Image.Image) -> bytes:
    """A JPEG whose APP1 Exif block is garbage after a valid-looking TIFF header."""
    return jpeg(img, exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x13\x37" * 40)


def file(name: str, data: bytes) -> InboundFile:
    return InboundFile(name, data, "image/jpeg")
