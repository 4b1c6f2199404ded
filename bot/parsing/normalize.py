"""Text normalisation: full-width and half-width forms are the same, spaces and colons are separators.

See bot.text.fold_width: full-width ASCII folds, Chinese sentence punctuation stays as typed.
"""
from __future__ import annotations

import re

from bot.text import fold_width

_SPACES = re.compile(r"[\s\u2005\u2006]+")


def normalize(text: str) -> str:
    """＃ → #, ： → :, Ｑ１２ → Q12, any run of spaces (WeChat puts U+2005 after an @-mention) → one space."""
    return _SPACES.sub(" ", fold_width(text)).strip()


def split_words(text: str) -> tuple[str, ...]:
    """Split arguments on spaces and on colons/commas/semicolons used as separators."""
    return tuple(w for w in re.split(r"[\s:;,，；]+", text) if w)


def strip_separators(text: str) -> str:
    return text.strip(" :;,，；、。.")
