"""What a stored photo is, for the authenticity hints (issue #25 item 3): its perceptual hash, split into four
16-bit bands for the index, and the EXIF 拍摄时间 and GPS where the file has them.

The hash is imagehash's dHash (64 bits, gradients of a 9x8 greyscale): measured on a synthetic photo set
(tools/photo_hash_set.py: 60 scenes, 300 copies, 60 second shots of the same scenes) it keeps re-encoded,
resized, slightly cropped and brightened copies within NEAR_BITS (1.7% missed) while no second shot of a scene
and no other scene came that near (0%); pHash missed as many copies and took 1.7% of second shots for copies,
aHash and wHash took 15-50% of them. docs/design.md gives the table.
Nothing here ever fails an upload: a photo Pillow opens but whose EXIF is malformed simply has no time or GPS.
"""
from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import imagehash
from PIL import Image, ImageOps

from bot.ledger.images import plugins

log = logging.getLogger(__name__)

NEAR_BITS = 8  # Hamming distance at or below which two photos are "nearly the same" (measured, see module doc)
BAND_BITS = 16
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


@dataclass(frozen=True)
class PhotoPrint:
    phash: int | None = None  # dHash, signed 64-bit (fits BIGINT on both databases); None: not an image we could read
    taken_at: datetime | None = None  # UTC when the EXIF gave a zone, else the camera's wall clock read in `zone`
    gps_lat: float | None = None
    gps_lon: float | None = None

    @property
    def bands(self) -> tuple[int | None, int | None, int | None, int | None]:
        return bands(self.phash) if self.phash is not None else (None, None, None, None)


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def bands(phash: int) -> tuple[int, int, int, int]:
    """The hash's four 16-bit bands, each an indexed column: two hashes differing in at most 3 bits share a band
    for certain, and usually when they differ in up to NEAR_BITS (95% of the measured copies); the look-up finds
    candidates by any equal band, then checks the distance."""
    u = phash & ((1 << 64) - 1)
    return tuple((u >> (BAND_BITS * i)) & 0xFFFF for i in range(4))  # type: ignore[return-value]


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def phash_of(image: Image.Image) -> int:
    value = imagehash.dhash(image)
    return to_signed(int(str(value), 16))


def read(data: bytes, zone: tzinfo | None = None) -> PhotoPrint:
    """The photo's print from its bytes; every part read defensively (never raises)."""
    try:
        plugins()  # HEIC too
        with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as image:
            warnings.simplefilter("ignore")  # Pillow's "Corrupt EXIF data": the malformed block is simply not read
            exif = _exif(image)
            upright = ImageOps.exif_transpose(image) if exif is not None else image
            value = phash_of(upright)
    except Exception as exc:  # noqa: BLE001 - a hint, never a refusal: the upload stands without one
        log.warning("photo not hashed: %s", exc)
        return PhotoPrint()
    return PhotoPrint(value, _taken_at(exif, zone), *_gps(exif))


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        exif = image.getexif()
        return exif if len(exif) else None
    except Exception:  # noqa: BLE001 - malformed EXIF block
        return None


def _taken_at(exif: Image.Exif | None, zone: tzinfo | None) -> datetime | None:
    if exif is None:
        return None
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
        if not isinstance(raw, str):
            return None
        at = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
        offset = sub.get(_OFFSET_TIME_ORIGINAL)
        if isinstance(offset, str) and len(offset.strip()) == 6:  # "+08:00"
            sign = -1 if offset.strip()[0] == "-" else 1
            hours, minutes = offset.strip()[1:].split(":")
            tz: tzinfo | None = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        else:
            tz = zone
        if tz is None:
            return None
        return at.replace(tzinfo=tz).astimezone(UTC)
    except Exception:  # noqa: BLE001 - a malformed time is no time
        return None


def _gps(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    if exif is None:
        return None, None
    try:
        gps = exif.get_ifd(_GPS_IFD)
        lat, lon = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return round(lat, 6), round(lon, 6)
    except Exception:  # noqa: BLE001 - missing or malformed GPS block
        pass
    return None, None


def _degrees(dms: tuple, ref: object) -> float:
    d, mi, s = (float(x) for x in dms)
    value = d + mi / 60 + s / 3600
    return -value if isinstance(ref, str) and ref.strip().upper() in ("S", "W") else value
