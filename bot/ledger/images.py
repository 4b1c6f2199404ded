"""Is a file a photo we keep as evidence? Checked by its content (Pillow), not its name, within a size limit."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from bot.messages import InboundFile

# the formats phones and chat apps send photos in; HEIF/HEIC only when a Pillow plugin for it is installed
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "GIF", "WEBP", "HEIF", "HEIC")
NOT_IMAGE, TOO_LARGE = "not_image", "too_large"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp")


@dataclass(frozen=True)
class Refused:
    """A file that was not filed, and why (NOT_IMAGE or TOO_LARGE)."""

    name: str
    reason: str
    claims_photo: bool = True  # named or typed as a picture (a refusal is worth a word even with no report open)


def is_photo(data: bytes) -> bool:
    """True when the bytes are a whole, readable image in one of the photo formats."""
    from PIL import Image  # Pillow only when a file comes (~3 MB of a mostly idle bot)

    Image.init()
    formats = [f for f in PHOTO_FORMATS if f in Image.OPEN]
    try:
        with Image.open(BytesIO(data), formats=formats) as image:
            image.verify()
    except Exception:  # noqa: BLE001 — Pillow raises many kinds of errors for bytes that are not an image
        return False
    return True


EXTENSIONS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp", "HEIF": ".heic",
              "HEIC": ".heic"}


def photo_extension(data: bytes) -> str:
    """The file extension of a photo's type as its bytes say (.bin when they say no photo type)."""
    from PIL import Image

    try:
        with Image.open(BytesIO(data)) as image:
            return EXTENSIONS.get(image.format or "", ".bin")
    except Exception:  # noqa: BLE001 — not an image at all
        return ".bin"


def claims_photo(file: InboundFile) -> bool:
    """Is the file named or typed as a picture (whatever its bytes are)?"""
    return (file.mime or "").startswith("image/") or PurePath(file.name).suffix.lower() in PHOTO_SUFFIXES


def refusal(file: InboundFile, *, max_bytes: int) -> Refused | None:
    """Why `file` cannot be kept, or None when it is a photo within the limit."""
    if len(file.data) > max_bytes:
        return Refused(file.name, TOO_LARGE, claims_photo(file))
    if not is_photo(file.data):
        return Refused(file.name, NOT_IMAGE, claims_photo(file))
    return None


def sort_files(files: tuple[InboundFile, ...], *, max_mb: float) -> tuple[list[InboundFile], list[Refused]]:
    """(the photos to keep, the files refused), in the order they came."""
    max_bytes = int(max_mb * 1024 * 1024)
    kept, refused = [], []
    for f in files:
        why = refusal(f, max_bytes=max_bytes)
        if why is None:
            kept.append(f)
        else:
            refused.append(why)
    return kept, refused
