"""How fast the parser turns chat text into commands (messages per second, one core), and how fast a finding's
description is filed in a category by its words (descriptions per second, the demo county's categories).

    python benchmarks/parser_speed.py [N]
"""
from __future__ import annotations

import contextlib
import csv
import sys
import time
from pathlib import Path

from bot.contract import UserError
from bot.county.yaml_source import load_county_yaml
from bot.domain.category_words import categorise
from handlers import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

MESSAGES = [
    "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天",
    "＃整改 Q12：已清理通道并张贴标识",
    "#验收 Q12 不通过 仍有杂物，请继续整改",
    "#验收 q0012 通过",
    "#问题 实验小学 食堂 后厨留样记录不全 较重 5个工作日",
    "#清单 逾期",
    "@督导助手 查询 Q7",
    "#延期 Q3 9月30日前 需采购设备",
    "收到，马上安排",  # ordinary chat: most group traffic
    "好的，谢谢周老师！",
]


def main(n: int = 200_000) -> None:
    start = time.perf_counter()
    for i in range(n):
        with contextlib.suppress(UserError):
            COMMANDS.parse(MESSAGES[i % len(MESSAGES)], "督导助手")
    elapsed = time.perf_counter() - start
    print(f"parser: {n} messages in {elapsed:.2f} s = {n / elapsed:,.0f} messages/s "
          f"({elapsed / n * 1e6:.1f} µs each)")
    categories = load_county_yaml(ROOT / "bot" / "data" / "demo-county.yaml").policy.categories
    with (ROOT / "tests" / "data" / "categories.csv").open(encoding="utf-8") as f:
        texts = [row["description"] for row in csv.DictReader(f)]
    categorise(texts[0], categories)  # jieba's dictionary and the keyword index, once
    m = max(n // 10, 1)
    start = time.perf_counter()
    for i in range(m):
        categorise(texts[i % len(texts)], categories)
    elapsed = time.perf_counter() - start
    print(f"categories: {m} descriptions in {elapsed:.2f} s = {m / elapsed:,.0f} descriptions/s "
          f"({elapsed / m * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
