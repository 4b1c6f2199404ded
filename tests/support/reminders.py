"""Helpers for the reminder tests: a harness started at a chosen time, restarts, what the bot said itself."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.county.policy import Policy
from bot.domain.calendar import WorkCalendar
from bot.domain.roster import Roster
from tests.support.harness import Harness, Sent

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()
FXZX, SYXX, JGYEY = "room-fxzx@chatroom", "room-syxx@chatroom", "room-jgyey@chatroom"
OFFICE, D1, D2 = "room-office@chatroom", "room-d1@chatroom", "room-d2@chatroom"
CHEN, HUANGJ, ZHOU = "wxid_chenjing", "wxid_huangjun", "wxid_zhouyonghong"
LIMING, SUNLI = "wxid_liming", "wxid_sunli"
LIU, TAN, LIUYANG, ZHAOM = "wxid_liujianguo", "wxid_tanxiaoyan", "wxid_liuyang", "wxid_zhaomin"


def unit_roster(policy: Policy | None = None) -> Roster:
    """A roster with no people, for unit tests of timing and colour: the demo county's policy and calendar."""
    return Roster(version=1, county="测试县", policy=policy or Policy(), calendar=WorkCalendar(), tz=TZ)


def restart(h: Harness) -> Harness:
    """A second App on the same database and clock (the bot restarted), with a transport of its own."""
    return Harness.on(h.app.settings, h.clock, h.app.db)


def initiated(*harnesses: Harness) -> list[Sent]:
    """What the bot said on its own initiative (not replies), across harnesses, in time order."""
    sent = [s for h in harnesses for s in h.transport.sent if s.out.in_reply_to is None]
    return sorted(sent, key=lambda s: s.at)


LADDER = ("【逾期提醒】", "【逾期督办】", "【问责提示】")  # the ladder's own messages (not digests)
MINE = (*LADDER, "【到期提醒】", "【待验收提醒】")


def about(ref: str, sent: list[Sent], marker: str | tuple[str, ...] = MINE) -> list[Sent]:
    """Messages with a part naming finding `ref` (Q1 is not Q10) and containing `marker` (or one of them).

    The outbox merges notices queued together for one room into one message, parts separated by a blank line.
    """
    pattern = re.compile(re.escape(ref) + r"(?!\d)")
    markers = (marker,) if isinstance(marker, str) else marker
    return [s for s in sent if any(pattern.search(part) and any(m in part for m in markers)
                                   for part in s.text.split("\n\n"))]


def local(s: Sent) -> datetime:
    return s.at.astimezone(TZ)


def when(s: Sent) -> str:
    """The local time of a message, e.g. "2023-10-07 09:00"."""
    return local(s).strftime("%Y-%m-%d %H:%M")


def assert_polite(sent: list[Sent]) -> None:
    """Nothing bot-initiated in quiet hours (21:30–07:30) or on a day off."""
    for s in sent:
        t = local(s)
        assert "07:30" <= t.strftime("%H:%M") < "21:30", f"quiet hours: {when(s)} {s.text[:40]}"
        assert CALENDAR.is_workday(t.date()), f"day off: {when(s)} {s.text[:40]}"


async def start(db_url: str, tmp: Path, at: str, county: Path | None = None) -> Harness:
    """A harness whose virtual clock starts at `at` (`county` loaded, unless the database already has one)."""
    return await Harness.create(db_url, tmp, county, datetime.fromisoformat(at))


@pytest.fixture
async def make(county_db_url: str, tmp_path: Path):
    """A factory of harnesses on the demo county, started at a given local time (closed after the test)."""
    made: list[Harness] = []

    async def _make(at: str, county: Path | None = None) -> Harness:
        h = await start(county_db_url, tmp_path, at, county)
        made.append(h)
        return h

    yield _make
    for h in made:
        await h.close()
