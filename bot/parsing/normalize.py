"""Text normalisation: full-width and half-width forms are the same, spaces and colons are separators.

Full-width ASCII forms (＃ Ｑ１２ ： ＠) fold to half-width so the parser sees one spelling, but the
Chinese sentence punctuation people write in descriptions (，！？（）；) is kept as typed: it is their text.
"""
from __future__ import annotations

import re

_KEEP = set("，！？（）；")
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP}
_FOLD.update({0x3000: 0x20})  # ideographic space
_FOLD.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None))
_SPACES = re.compile(r"[\s\u2005\u2006]+")


def normalize(text: str) -> str:
    """＃ → #, ： → :, Ｑ１２ → Q12, any run of spaces (WeChat puts U+2005 after an @-mention) → one space."""
    return _SPACES.sub(" ", (text or "").translate(_FOLD)).strip()


def split_words(text: str) -> tuple[str, ...]:
    """Split arguments on spaces and on colons/commas/semicolons used as separators."""
    return tuple(w for w in re.split(r"[\s:;,，；]+", text) if w)


def strip_separators(text: str) -> str:
    return text.strip(" :;,，；、。.")
