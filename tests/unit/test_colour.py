"""三色督办: blue (due within 2 working days), yellow (overdue), red (past the ladder's last step) — the
function, and the tags in #查询 and #清单."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.county.policy import Policy
from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger.lifecycle import deadline_instant
from tests.support.reminders import CHEN, FXZX, HUANGJ, make, unit_roster

__all__ = ["make"]
TZ = ZoneInfo("Asia/Shanghai")


def _colour(due: str, now: str, status: str = "open", roster: Roster | None = None,
            appealing: bool = False) -> str | None:
    d = date.fromisoformat(due)
    at = datetime.fromisoformat(now + "+08:00")
    return colour(status, deadline_instant(d, TZ), d, at, roster or unit_roster(), appealing=appealing)


@pytest.mark.parametrize("due, now, expected", [
    ("2024-03-20", "2024-03-15T10:00", None),  # Wed, seen from the Friday before: 3 working days off
    ("2024-03-20", "2024-03-18T10:00", "blue"),  # within 2 working days
    ("2024-03-20", "2024-03-20T23:59", "blue"),  # the last minute of the due day
    ("2024-03-20", "2024-03-21T00:00", "yellow"),  # overdue from the next midnight
    ("2024-03-20", "2024-04-01T08:59", "yellow"),  # the office step: 8th working day after, 09:00
    ("2024-03-20", "2024-04-01T09:00", "red"),
    ("2024-03-25", "2024-03-22T10:00", "blue"),  # Monday, seen on Friday: the weekend does not count
    ("2023-10-07", "2023-09-28T10:00", "blue"),  # 9-29..10-06 off: 10-07 is the next working day
    ("2023-09-28", "2023-10-13T12:00", "yellow"),
    ("2023-09-28", "2023-10-16T09:00", "red"),  # 8 working days after 9-28, counting the 调休 weekend
])
def test_colour(due: str, now: str, expected: str | None) -> None:
    assert _colour(due, now) == expected


@pytest.mark.parametrize("status", ["rectified", "closed", "withdrawn"])
def test_only_open_findings_are_coloured(status: str) -> None:
    assert _colour("2024-03-20", "2024-04-10T10:00", status) is None
    assert _colour("2024-03-20", "2024-03-19T10:00", status) is None


def test_without_a_ladder_overdue_stays_yellow() -> None:
    no_ladder = unit_roster(Policy(overdue_ladder=[]))
    assert _colour("2024-03-20", "2024-06-01T10:00", roster=no_ladder) == "yellow"


def test_a_finding_under_appeal_has_no_colour() -> None:
    """申诉中 pauses the ladder, so no 三色督办 colour either (red past the last step without it)."""
    assert _colour("2024-03-20", "2024-04-01T09:00") == "red"
    assert _colour("2024-03-20", "2024-04-01T09:00", appealing=True) is None
    assert _colour("2024-03-20", "2024-03-18T10:00", appealing=True) is None


async def test_query_shows_the_colour(make) -> None:
    h = await make("2024-03-18T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期2天")  # due Wed 3-20
    assert "状态：待整改 🔵蓝色督办" in (await h.one(FXZX, HUANGJ, "#查询 Q1")).text
    assert "状态：待整改（整改逾期） 🟡黄色督办" in (await h.one(FXZX, HUANGJ, "#查询 Q1", at="2024-03-21T10:00:00+08:00")).text
    assert "🔴红色督办" in (await h.one(FXZX, HUANGJ, "#查询 Q1", at="2024-04-01T10:00:00+08:00")).text
    await h.say(FXZX, HUANGJ, "#整改 Q1 已补齐")
    text = (await h.one(FXZX, HUANGJ, "#查询 Q1", at="2024-04-01T10:05:00+08:00")).text
    assert "状态：待验收\n" in text and "督办" not in text  # reported late, but reported: no longer the school's delay
    later = (await h.one(FXZX, HUANGJ, "#查询 Q1", at="2024-04-10T10:05:00+08:00")).text  # 5 working days on (清明)
    assert "状态：待验收（验收超期）\n" in later


async def test_list_shows_a_tag_per_line(make) -> None:
    h = await make("2024-03-11T10:00:00+08:00")
    await h.say(FXZX, CHEN, "#问题 复兴中学 冷库温度记录缺失 限期1天")  # due 3-12: red from 3-22 09:00
    await h.say(FXZX, CHEN, "#问题 复兴中学 消防器材过期 限期8天", at="2024-03-15T10:00:00+08:00")  # due 3-23
    await h.say(FXZX, CHEN, "#问题 复兴中学 留样记录不全 限期10天")  # due 3-25
    await h.say(FXZX, CHEN, "#问题 复兴中学 校车台账缺失 限期20天")  # due 4-04
    await h.say(FXZX, CHEN, "#问题 复兴中学 宿舍卫生 床铺脏乱 限期1天", at="2024-03-21T10:00:00+08:00")  # due 3-22
    lines = (await h.one(FXZX, CHEN, "#清单", at="2024-03-22T10:00:00+08:00")).text.splitlines()
    tags = {line.split()[0]: line for line in lines[1:]}
    assert "🔴红色督办" in tags["Q1"] and "🔵蓝色督办" in tags["Q2"] and "🔵蓝色督办" in tags["Q3"]
    assert "督办" not in tags["Q4"] and "🔵蓝色督办" in tags["Q5"]
    overdue = (await h.one(FXZX, CHEN, "#清单 逾期", at="2024-03-23T10:00:00+08:00")).text
    assert "Q5" in overdue and "🟡黄色督办" in overdue
