"""Write the office's figures (bot.domain.figures.FIGURES) into README.md between its markers, as a Markdown table.

    python tools/figures_table.py          # rewrite README.md's table
    python tools/figures_table.py --check  # exit 1 when README.md's table is not the generated one

tests/unit/test_figures.py runs the check, so the README never drifts from the one table in the code.
"""
from __future__ import annotations

import sys
from pathlib import Path

from bot.domain.figures import FIGURES

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- figures:begin (tools/figures_table.py) -->", "<!-- figures:end -->"


def table() -> str:
    rows = ["| 指标 | 统计哪些问题 | 计算方法 | 往期口径 | 反映谁的延误 |", "| --- | --- | --- | --- | --- |"]
    for f in FIGURES:
        rows.append(f"| {f.name} | {f.counts} | {f.formula or '—'} | {f.as_of} | {f.whose or '—'} |")
    return "\n".join(rows)


def rewritten(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
