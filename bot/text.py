"""Width folding shared by the parser and the deadline reader.

Full-width ASCII forms (＃ Ｑ１２ ： ＠ ３) fold to half-width so code sees one spelling, but the
Chinese sentence punctuation people write (，！？（）；) is kept as typed: it is their text.
"""
from __future__ import annotations

_KEEP = set("，！？（）；")
_FOLD: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP}
_FOLD.update({0x3000: 0x20})  # ideographic space
_FOLD.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None))  # zero-width characters


def fold_width(text: str) -> str:
    return (text or "").translate(_FOLD)


def clean(text: str) -> str:
    """Text any database and any platform accepts: a lone surrogate (from a broken client or JSON's \\ud800)
    becomes U+FFFD, and NUL is dropped (PostgreSQL refuses it in text)."""
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "")
