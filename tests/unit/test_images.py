"""Evidence photos are checked by content and size, not by name."""
from __future__ import annotations

from bot.ledger.images import NOT_IMAGE, TOO_LARGE, Refused, is_photo, sort_files
from bot.messages import InboundFile
from tests.support.photos import image_bytes, photo


def test_real_photos_pass_and_other_bytes_do_not() -> None:
    assert is_photo(image_bytes("png")) and is_photo(image_bytes("jpg"))
    assert not is_photo(b"hello, I am a text file")
    assert not is_photo(image_bytes("png")[:40])  # cut off mid-image
    assert not is_photo(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def test_sort_files_keeps_the_good_and_names_the_refused_in_order() -> None:
    big = photo("big.png", size=(100, 100), noise=True)
    files = (photo("a.jpg"), InboundFile("b.png", b"text"), big)
    kept, refused = sort_files(files, max_mb=0.01)
    assert [f.name for f in kept] == ["a.jpg"]
    assert refused == [Refused("b.png", NOT_IMAGE), Refused("big.png", TOO_LARGE)]


def test_a_large_or_heic_photo_is_shown_as_a_scaled_down_jpeg() -> None:
    from io import BytesIO

    from PIL import Image

    from bot.ledger.images import DISPLAY_PIXELS, display_copy, needs_display_copy
    from tests.support.photos import image_bytes

    big = image_bytes("jpg", size=(4000, 3000), noise=True)
    assert needs_display_copy(len(big), ".jpg") and needs_display_copy(10_000, ".heic")
    assert not needs_display_copy(200_000, ".jpg")
    for original in (big, image_bytes("heic", size=(2400, 1800), seed=4)):
        copy = display_copy(original)
        assert copy is not None and (original is not big or len(copy) < len(big) / 4)
        with Image.open(BytesIO(copy)) as shown:
            assert shown.format == "JPEG" and max(shown.size) == DISPLAY_PIXELS
            assert shown.size[0] / shown.size[1] == 4 / 3
    assert display_copy(b"not a photo") is None
