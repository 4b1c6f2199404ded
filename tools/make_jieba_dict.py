"""Regenerate bot/data/jieba-words.txt: jieba's dictionary (MIT licence, github.com/fxsjy/jieba) without its rare
words (frequency below MIN_FREQ), ~80,000 of ~350,000 entries.

Why: jieba's whole dictionary costs the running bot ~65 MB of memory (its prefix dictionary holds every prefix of
every word); this one ~12 MB, and the bot only needs common words to tell the words of a description (the
county's category keywords are added to it at load, and compounds are split by `words_of`).

    python tools/make_jieba_dict.py
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

MIN_FREQ = 20
TARGET = Path(__file__).resolve().parents[1] / "bot" / "data" / "jieba-words.txt"


def main() -> None:
    source = resources.files("jieba") / "dict.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.strip() and int(line.split()[1]) >= MIN_FREQ]
    TARGET.write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(kept):,} of {len(lines):,} words → {TARGET}")


if __name__ == "__main__":
    main()
