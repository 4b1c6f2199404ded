"""The photo prints behind the authenticity hints, on real image files written by Pillow: copies are near, a second
photo of the same place is not, EXIF 拍摄时间 and GPS are read when present and a malformed EXIF block is no error."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

from PIL import Image

from bot.ledger import images, photo_hash
from tests.support.camera import file, jpeg, malformed_exif, place, with_exif

CST = timezone(timedelta(hours=8))


def _hash(data: bytes) -> int:
    value = photo_hash.read(data).phash
    assert value is not None
    return value


def test_an_exact_copy_is_the_same_hash() -> None:
    data = jpeg(place(1))
    assert photo_hash.distance(_hash(data), _hash(bytes(data))) == 0


def test_a_re_encoded_and_resized_copy_is_near() -> None:
    img = place(2)
    small = jpeg(img.resize((320, 240)), quality=55)
    d = photo_hash.distance(_hash(jpeg(img)), _hash(small))
    assert d <= photo_hash.NEAR_BITS


def test_cropped_and_brightened_copies_are_near() -> None:
    from PIL import ImageEnhance
    img = place(3)
    for copy in (img.crop((16, 12, 624, 468)), ImageEnhance.Brightness(img).enhance(1.2)):
        assert photo_hash.distance(_hash(jpeg(img)), _hash(jpeg(copy))) <= photo_hash.NEAR_BITS


def test_a_different_photo_of_the_same_place_is_not_near() -> None:
    for seed in (4, 5, 6):
        d = photo_hash.distance(_hash(jpeg(place(seed))), _hash(jpeg(place(seed, retake=True))))
        assert d > photo_hash.NEAR_BITS, seed


def test_exif_time_is_read_in_the_county_zone_or_its_own_offset() -> None:
    local = with_exif(place(7), taken="2026:11:01 09:30:00")
    assert photo_hash.read(local, CST).taken_at == datetime(2026, 11, 1, 1, 30, tzinfo=UTC)
    assert photo_hash.read(local).taken_at is None  # no zone known: no time rather than a wrong one
    offset = with_exif(place(7), taken="2026:11:01 09:30:00", offset="+07:00")
    assert photo_hash.read(offset, CST).taken_at == datetime(2026, 11, 1, 2, 30, tzinfo=UTC)


def test_gps_is_read_when_present() -> None:
    p = photo_hash.read(with_exif(place(8), gps=(31.9465, 108.6647)), CST)
    assert (p.gps_lat, p.gps_lon) == (31.9465, 108.6647) and p.taken_at is None
    south_west = photo_hash.read(with_exif(place(8), gps=(-33.5, -70.25)))
    assert (south_west.gps_lat, south_west.gps_lon) == (-33.5, -70.25)
    assert photo_hash.read(jpeg(place(8))).gps_lat is None


def test_a_malformed_exif_block_still_hashes_and_is_kept_as_a_photo() -> None:
    data = malformed_exif(place(9))
    assert Image.open(io.BytesIO(data)).size == (640, 480)
    p = photo_hash.read(data, CST)
    assert p.phash is not None and p.taken_at is None and p.gps_lat is None
    kept, refused = images.sort_files([file("bad-exif.jpg", data)], max_mb=20)
    assert len(kept) == 1 and refused == []


def test_a_nonsense_time_or_gps_is_none() -> None:
    assert photo_hash.read(with_exif(place(10), taken="2026:13:45 99:00:00"), CST).taken_at is None
    assert photo_hash.read(with_exif(place(10), taken="    :  :     :  :  "), CST).taken_at is None
    assert photo_hash.read(b"not an image").phash is None


def test_bands_split_the_64_bits_and_round_trip_signed() -> None:
    value = photo_hash.to_signed(0xFEDC_BA98_7654_3210)
    assert value < 0 and photo_hash.bands(value) == (0x3210, 0x7654, 0xBA98, 0xFEDC)
    assert photo_hash.distance(value, photo_hash.to_signed(0xFEDC_BA98_7654_3211)) == 1
