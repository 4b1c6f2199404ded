"""Text normalisation: full-width and half-width forms are the same, spaces and colons are separators.

See bot.text.fold_width: full-width ASCII folds, Chinese sentence punctuation stays as typed.
"""
from __future__ import annotations

import re

from bot.text import fold_width

_SPACES = re.compile(r"[\s\u2005\u2006]+")


def normalize(text: str, *, keep_lines: bool = False) -> str:
    """＃ → #, ： → :, Ｑ１２ → Q12, any run of spaces (WeChat puts U+2005 after an @-mention) → one space;
    `keep_lines`: a run holding a line break → one line break (a list of findings is written one item a line)."""
    folded = fold_width(text)
    if keep_lines:
        return _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", folded).strip()
    return _SPACES.sub(" ", folded).strip()


_SEP_CHARS = " \t\n:;,，；"
_SEP = r"[\s:;,，；]"
_WORD = re.compile(rf"[^\s:;,，；]+{_SEP}*")


def split_words(text: str) -> tuple[str, ...]:
    """Split arguments on spaces and on colons/commas/semicolons used as separators."""
    return tuple(w for w in re.split(rf"{_SEP}+", text) if w)


def drop_words(text: str, n: int) -> str:
    """`text` without its first n words (as split_words counts them) and their separators; the rest verbatim."""
    rest = text.lstrip(_SEP_CHARS)
    for _ in range(n):
        m = _WORD.match(rest)
        rest = rest[m.end():] if m else ""
    return rest


def drop_word(text: str, word: str) -> str:
    """`text` without the first standalone occurrence of `word` and the separators after it; the rest verbatim."""
    m = re.search(rf"(?:^|(?<={_SEP})){re.escape(word)}(?={_SEP}|$)", text)
    if m is None:
        return text
    left, right = text[: m.start()], text[m.end():]
    if not right.strip(_SEP_CHARS):
        return left.rstrip(_SEP_CHARS)
    return left + right.lstrip(_SEP_CHARS)


def strip_separators(text: str) -> str:
    return text.strip(" :;,，；、。.")
