"""How fast the parser reads inspection messages as people write them (#27): the everyday mix of
benchmarks/parser_speed.py with findings written as lists (numbered, one a line, `；`-parts), in messages a second
on one core; and, where bot.parsing.finding_list exists, how fast a list is split into its items.

    python benchmarks/list_parser_speed.py [N]
    PYTHONPATH=/path/to/other/tree python benchmarks/list_parser_speed.py   # the same mix on another tree
"""
from __future__ import annotations

import contextlib
import sys
import time

from bot.contract import UserError
from handlers import COMMANDS

LISTS = [
    "#问题 城口中学\n1. 消防通道堆放杂物；\n2. 食堂留样记录不全；\n3. 教室照明不足",
    "#问题 县一中 学生宿舍插线板私拉乱接 严重；城口中学 作业公示栏未更新 限期3天",
    "#问题 实验小学 限期5天\n（1）楼梯扶手松动\n（2）厕所无隔断\n（3）午休无人看护",
    "#问题 实验小学 安全\n门卫脱岗\n灭火器过期 严重\n围墙破损",
]
MESSAGES = [
    "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天",
    "＃整改 Q12：已清理通道并张贴标识",
    "#验收 Q12 不通过 仍有杂物，请继续整改",
    "#问题 实验小学 食堂 后厨留样记录不全 较重 5个工作日",
    "#清单 逾期",
    "@督导助手 查询 Q7",
    "#延期 Q3 9月30日前 需采购设备",
    "收到，马上安排",
    "好的，谢谢周老师！",
    *LISTS,
]
SCHOOLS = {"城口中学", "县一中", "实验小学"}


def rate(label: str, n: int, step) -> None:  # noqa: ANN001 — a callable of the index
    start = time.perf_counter()
    for i in range(n):
        with contextlib.suppress(UserError):
            step(i)
    elapsed = time.perf_counter() - start
    print(f"{label}: {n} messages in {elapsed:.2f} s = {n / elapsed:,.0f} messages/s ({elapsed / n * 1e6:.1f} µs each)")


def main(n: int = 100_000) -> None:
    rate("parser, everyday mix with lists", n, lambda i: COMMANDS.parse(MESSAGES[i % len(MESSAGES)], "督导助手"))
    try:
        from bot.parsing.finding_list import split_list
    except ImportError:
        return
    bodies = [COMMANDS.match(t, "督导助手")[2] for t in LISTS]  # type: ignore[index]
    rate("list split", n, lambda i: split_list(bodies[i % len(bodies)], SCHOOLS.__contains__, lambda line: True))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
