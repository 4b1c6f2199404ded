"""Helpers for the monthly-cycle, term-check, digest and leave tests: a harness started at a chosen time, and what
the bot said on its own initiative, by marker."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.storage import models as m
from tests.support.harness import Harness, Sent
from tests.support.paths import DEMO_COUNTY

TZ = ZoneInfo("Asia/Shanghai")
OFFICE, D1, D2, D3 = "room-office@chatroom", "room-d1@chatroom", "room-d2@chatroom", "room-d3@chatroom"
CKZX, SYXX, FXZX, JGYEY = "room-ckzx@chatroom", "room-syxx@chatroom", "room-fxzx@chatroom", "room-jgyey@chatroom"
LIU = "wxid_liujianguo"  # office
ZHOU, LIMING, CHEN, YANG, HELI, WU = ("wxid_zhouyonghong", "wxid_liming", "wxid_chenjing", "wxid_yangzhiqiang",
                                      "wxid_heli", "wxid_wuhaibo")  # supervisors; 周, 陈, 何 lead districts 1-3
WANGF, LIUYANG, ZHAOM, SUNLI = "wxid_wangfang", "wxid_liuyang", "wxid_zhaomin", "wxid_sunli"  # district 1 principals


@pytest.fixture
async def harness_at(db_url: str, tmp_path: Path):
    """A factory: a harness on the demo county whose virtual clock starts at the given ISO time."""
    made: list[Harness] = []

    async def make(start: str) -> Harness:
        h = await Harness.create(db_url, tmp_path, DEMO_COUNTY, start=datetime.fromisoformat(start))
        made.append(h)
        return h

    yield make
    for h in made:
        await h.close()


def initiated(h: Harness, marker: str = "", room: str | None = None) -> list[Sent]:
    """Bot-initiated messages (not replies) containing `marker`, in `room` if given."""
    return [s for s in h.transport.sent if s.out.in_reply_to is None and marker in s.text
            and (room is None or s.out.room == room)]


def when(s: Sent) -> str:
    return s.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def between(sent: list[Sent], first: str, last: str) -> list[Sent]:
    """Messages sent in [first, last] (ISO times)."""
    lo, hi = datetime.fromisoformat(first), datetime.fromisoformat(last)
    return [s for s in sent if lo <= s.at <= hi]


async def submissions(h: Harness, kind: str) -> list[m.Submission]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Submission).where(m.Submission.kind == kind).order_by(m.Submission.id)))


def restart(h: Harness) -> Harness:
    """A second App on the same database and clock: the bot restarted (its scheduler starts from now)."""
    return Harness.on(h.app.settings, h.clock, h.app.db)
