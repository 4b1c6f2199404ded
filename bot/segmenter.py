"""Chinese word segmentation (jieba), loaded once, lazily, and quietly.

jieba's dictionary takes about half a second to load on first use; `load()` does it up front (the bot calls it at
start) and every later call is cheap. jieba logs "Building prefix dict..." at DEBUG on stderr: its logger is
turned down here so that it never pollutes the CLI's output.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import sys
import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any

_lock = threading.Lock()
_tokenizer = None  # a jieba.Tokenizer of our own: the county's words never leak into jieba's global one
_added: set[str] = set()


def _quiet() -> None:
    for name in ("jieba", "jieba.__init__"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _give_back() -> None:
    """Return the memory freed after building the dictionary to the system (glibc keeps it otherwise: ~10 MB of a
    bot that is mostly idle). Elsewhere, nothing."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _import_jieba() -> Any:
    """jieba, imported without pkg_resources: its _compat imports that (when setuptools is installed) only to open
    jieba's own files, and the import scans every installed distribution — 80 ms and ~5 MB for nothing; without it
    jieba opens them directly."""
    if "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # an ImportError for jieba's try
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


def load(words: Iterable[str] = ()) -> object:
    """The tokenizer, its dictionary loaded, with `words` (e.g. a county's category keywords) added as words."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba = _import_jieba()
            _quiet()
            jieba.setLogLevel(logging.WARNING)
            # jieba's common words only (tools/make_jieba_dict.py): its whole dictionary costs ~65 MB, this ~12 MB
            tokenizer = jieba.Tokenizer(str(resources.files("bot") / "data" / "jieba-words.txt"))
            tokenizer.initialize()
            _tokenizer = tokenizer
            _give_back()
        for word in words:
            if word not in _added:
                _tokenizer.add_word(word)
                _added.add(word)
    return _tokenizer


def words_of(text: str, extra: Iterable[str] = ()) -> set[str]:
    """The words of `text`, the two halves of a compound word made of two dictionary words of two or more
    characters each (安全隐患 → 安全, 隐患; 楼梯扶手 → 楼梯, 扶手), and the last two characters of a longer word when
    they are a word (窗玻璃 → 玻璃: a Chinese compound ends with what it is), but not its first two (教学楼 is a
    building, not 教学)."""
    tokenizer = load(extra)
    found: set[str] = set()
    for token in tokenizer.lcut(text, HMM=False):  # type: ignore[attr-defined]
        found.add(token)
        if len(token) > 2 and tokenizer.FREQ.get(token[-2:]):  # type: ignore[attr-defined]
            found.add(token[-2:])
        for i in range(2, len(token) - 1):
            left, right = token[:i], token[i:]
            if tokenizer.FREQ.get(left) and tokenizer.FREQ.get(right):  # type: ignore[attr-defined]
                found.update((left, right))
    return found
