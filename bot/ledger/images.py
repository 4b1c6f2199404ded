"""Is a file a photo we keep as evidence? Checked by its content (Pillow, with pillow-heif for iPhone HEIC), not its
name, within a size limit and Pillow's pixel limit (a decompression bomb is refused, never decoded); a HEIC is
decoded whole (a corrupt one opens but fails to decode). Also the display copy of a large or HEIC photo: the
original is kept (its SHA-256 and print are what the checks use), the browser gets a scaled-down JPEG."""
from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from bot.messages import InboundFile

# the formats phones and chat apps send photos in; HEIF/HEIC only when a Pillow plugin for it is installed
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "GIF", "WEBP", "HEIF", "HEIC")
NOT_IMAGE, TOO_LARGE, TOO_MANY_PIXELS = "not_image", "too_large", "too_many_pixels"
HEIF_FORMATS = ("HEIF", "HEIC")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp")


@dataclass(frozen=True)
class Refused:
    """A file that was not filed, and why (NOT_IMAGE or TOO_LARGE)."""

    name: str
    reason: str
    claims_photo: bool = True  # named or typed as a picture (a refusal is worth a word even with no report open)


@functools.cache
def plugins() -> None:
    """Pillow with the HEIF/HEIC opener (pillow-heif), once; imported only when a file comes (~3 MB of a mostly
    idle bot)."""
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    Image.init()


def photo_problem(data: bytes) -> str | None:
    """None when the bytes are a whole, readable image in one of the photo formats; else NOT_IMAGE, or
    TOO_MANY_PIXELS for a decompression bomb (more pixels than Pillow's MAX_IMAGE_PIXELS: refused unread)."""
    from PIL import Image

    plugins()
    formats = [f for f in PHOTO_FORMATS if f in Image.OPEN]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # over the limit at all: refused
            with Image.open(BytesIO(data), formats=formats) as image:
                if image.format in HEIF_FORMATS:
                    image.load()  # pillow-heif's verify() reads no pixels: a corrupt HEIC shows when decoded
                else:
                    image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return TOO_MANY_PIXELS
    except Exception:  # noqa: BLE001 — Pillow raises many kinds of errors for bytes that are not an image
        return NOT_IMAGE
    return None


def is_photo(data: bytes) -> bool:
    """True when the bytes are a whole, readable image in one of the photo formats."""
    return photo_problem(data) is None


EXTENSIONS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp", "HEIF": ".heic",
              "HEIC": ".heic"}


def photo_extension(data: bytes) -> str:
    """The file extension of a photo's type as its bytes say (.bin when they say no photo type)."""
    from PIL import Image

    plugins()
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
    problem = photo_problem(file.data)
    return Refused(file.name, problem, claims_photo(file)) if problem is not None else None


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


DISPLAY_PIXELS = 1600  # the longer side of a photo as the desk shows it
DISPLAY_BYTES = 1024 * 1024  # a JPEG, PNG, GIF or WebP up to this size (and DISPLAY_PIXELS) is shown as it is


def needs_display_copy(data_size: int, extension: str) -> bool:
    """Is a stored photo shown through a scaled-down JPEG (a HEIC — browsers do not show it —, or a large file)?"""
    return extension == ".heic" or data_size > DISPLAY_BYTES


def display_copy(data: bytes) -> bytes | None:
    """A JPEG of the photo for display: upright (EXIF orientation), at most DISPLAY_PIXELS on its longer side; None
    when the bytes cannot be read (the page then offers the original)."""
    from PIL import Image, ImageOps

    plugins()
    try:
        with warnings.catch_warnings(), Image.open(BytesIO(data)) as image:
            warnings.simplefilter("ignore")  # a malformed EXIF block: the orientation is simply not applied
            image.draft("RGB", (DISPLAY_PIXELS, DISPLAY_PIXELS))  # JPEG: decode at a fraction of the size
            shown = ImageOps.exif_transpose(image).convert("RGB")
            shown.thumbnail((DISPLAY_PIXELS, DISPLAY_PIXELS))
            out = BytesIO()
            shown.save(out, "JPEG", quality=82)
            return out.getvalue()
    except Exception:  # noqa: BLE001 — the page offers the original instead
        return None
