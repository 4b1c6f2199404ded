"""A desk on the demo county with two findings logged through the real chat app: Q1 at 城口中学 (rectified, with a
photo) and Q2 at 复兴中学; desk logins for the office (刘建国), 城口中学's principal (王芳) and 复兴中学's (黄军).
`cycle_desk` adds the reports of a monthly cycle and a term's start-of-term checks, and logins for a district lead
(周永红, 第一责任区) and a supervisor (李明); `campaign_desk` a 双减 专项督导 campaign under way."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.web.accounts import set_password
from bot.web.desk import create_app
from tests.conftest import SeededTemplates
from tests.support.harness import T0, Harness
from tests.support.photos import photo

PASSWORDS = {"p-liu": "office-pass-1", "p-wangf": "ckzx-pass-2", "p-huangj": "fxzx-pass-3", "p-zhou": "d1-lead-4",
             "p-li": "glxx-sup-5"}
CKZX, FXZX, D1, D2 = "room-ckzx@chatroom", "room-fxzx@chatroom", "room-d1@chatroom", "room-d2@chatroom"
TERM_TIME = datetime.fromisoformat("2023-09-04T10:00:00+08:00")  # in 2023年秋季学期's check window
CYCLE_NOW = datetime.fromisoformat("2024-03-22T10:00:00+08:00")  # 自查 was due 3/20, 月报 is due 3/25


@dataclass
class Desk:
    url: str
    settings: Settings
    clock: VirtualClock
    db: Database
    schools: dict[str, int]
    photo_id: int

    def app(self) -> Starlette:
        return create_app(self.settings, self.db, self.clock)

    def client(self, address: str = "testclient", app: Starlette | None = None) -> TestClient:
        """A browser at `address` (the connection's), on a desk of its own unless `app` is given. The address is put
        into the ASGI scope here, not with TestClient(client=…): that came with Starlette 0.44, and the project
        allows 0.37 (the lowest-bounds CI job runs these tests)."""
        desk = app or self.app()

        async def from_address(scope: Scope, receive: Receive, send: Send) -> None:
            await desk(dict(scope, client=(address, 50000)) if "client" in scope else scope, receive, send)

        return TestClient(from_address, follow_redirects=False)

    def run(self, coro):  # noqa: ANN001, ANN201 — drive the database from a sync test
        return asyncio.run(coro)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str | None = None, next: str = "/ledger"):  # noqa: ANN201
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data=dict(csrf=token, username=username, next=next,
                                           password=PASSWORDS.get(username, "") if password is None else password))


async def _seed_term(url: str, tmp: Path) -> None:
    """2023年秋季学期's checks: 城口中学 done, 实验小学 checked but not finished, 复兴中学 done."""
    h = await Harness.create(url, tmp, None, start=TERM_TIME)
    try:
        await h.say(D1, "wxid_zhouyonghong", "#开学检查 城口中学 完成 发现问题2个", msg_id="term-1")
        await h.say(D1, "wxid_zhouyonghong", "#开学检查 实验小学 未完成", msg_id="term-2")
        await h.say(D2, "wxid_chenjing", "#开学检查 复兴中学 完成", msg_id="term-3")
    finally:
        await h.close()


async def _seed_cycle(url: str, tmp: Path) -> None:
    """March 2024's reports: 城口中学's 自查 on time, 复兴中学's late; 周永红's 月报 and 第一责任区's 汇总."""
    h = await Harness.create(url, tmp, None, start=T0)
    try:
        await h.say(CKZX, "wxid_wangfang", "#自查 本月自查完成", at="2024-03-12T09:30:00+08:00", msg_id="cycle-1")
        await h.say(D1, "wxid_zhouyonghong", "#月报 本月到校3次", at="2024-03-15T16:00:00+08:00", msg_id="cycle-2")
        await h.say(D1, "wxid_zhouyonghong", "#汇总 第一责任区3月工作汇总", at="2024-03-15T16:30:00+08:00", msg_id="cycle-3")
        await h.say(FXZX, "wxid_huangjun", "#自查 食堂整改完成", at="2024-03-21T11:00:00+08:00", msg_id="cycle-4")
    finally:
        await h.close()


async def _seed(url: str, tmp: Path, cycle: bool = False) -> tuple[dict[str, int], int]:
    if cycle:
        await _seed_term(url, tmp)
    h = await Harness.create(url, tmp, None)
    try:
        await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天")
        await h.say(CKZX, "wxid_wangfang", "#整改 Q1 已清理通道并张贴标识")
        await h.say(CKZX, "wxid_wangfang", files=(photo("p.png", seed=3, size=(320, 240)),))
        await h.say(FXZX, "wxid_chenjing", "#问题 复兴中学 食品卫生 食堂<b>后厨</b>地面积水 限期5天 来源：市级督查")
        async with h.app.db.transaction() as s:
            for key, password in PASSWORDS.items():
                person = await s.scalar(select(m.Person).where(m.Person.key == key))
                await set_password(s, person, password, T0)
            schools = {name: sid for sid, name in (await s.execute(select(m.School.id, m.School.name))).all()}
            photo_id = await s.scalar(select(m.Evidence.id).where(m.Evidence.finding_id.is_not(None)))
    finally:
        await h.close()
    if cycle:
        await _seed_cycle(url, tmp)
    assert photo_id is not None
    return schools, photo_id


CAMPAIGN = "#专项督导 双减 双减专项督导 3月11日-3月29日 范围 全部 检查项 作业总量控制；课后服务开展；校外培训治理"


async def _seed_campaign_desk(url: str, tmp: Path) -> tuple[dict[str, int], int]:
    """The desk, and a 双减 campaign: 城口中学 complete with item 2 不符合 (Q3), 葛城小学 one item recorded."""
    seeded = await _seed(url, tmp)
    h = await Harness.create(url, tmp, None, start=datetime.fromisoformat("2024-03-12T09:00:00+08:00"))
    try:
        await h.say("room-office@chatroom", "wxid_liujianguo", CAMPAIGN, msg_id="campaign-1")
        await h.say(D1, "wxid_zhouyonghong", "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生 3不适用",
                    msg_id="campaign-2")
        await h.say(D1, "wxid_liming", "#专项检查 双减 葛城小学 1符合", msg_id="campaign-3")
    finally:
        await h.close()
    return seeded


async def _seed_desk(url: str, tmp: Path) -> tuple[dict[str, int], int]:
    return await _seed(url, tmp)


async def _seed_cycle_desk(url: str, tmp: Path) -> tuple[dict[str, int], int]:
    return await _seed(url, tmp, cycle=True)


def _desk(seeded_templates: SeededTemplates, name: str, seed, county_db_url: str, tmp_path: Path,  # noqa: ANN001
          now: datetime) -> Iterator[Desk]:
    """A copy of the desk seeded once a run (see tests/conftest.py SeededTemplates); its photos are the template's."""
    url, seeded = seeded_templates.copy(name, seed, county_db_url, tmp_path)
    schools, photo_id = seeded.value
    # sessions that outlive the tests' clock moves (days, months): the tests of expiry set their own limits
    settings = Settings(database_url=url, evidence_dir=seeded.evidence, web_session_hours=24 * 3650,
                        web_session_max_hours=24 * 3650, _env_file=None)
    # NullPool: TestClient runs each request in an event loop of its own, and an asyncpg connection belongs to one loop
    d = Desk(url, settings, VirtualClock(now), Database(url, poolclass=NullPool), schools, photo_id)
    yield d
    asyncio.run(d.db.dispose())


@pytest.fixture
def desk(seeded_templates: SeededTemplates, county_db_url: str, tmp_path: Path) -> Iterator[Desk]:
    yield from _desk(seeded_templates, "desk", _seed_desk, county_db_url, tmp_path, T0)


@pytest.fixture
def cycle_desk(seeded_templates: SeededTemplates, county_db_url: str, tmp_path: Path) -> Iterator[Desk]:
    yield from _desk(seeded_templates, "cycle_desk", _seed_cycle_desk, county_db_url, tmp_path, CYCLE_NOW)


@pytest.fixture
def campaign_desk(seeded_templates: SeededTemplates, county_db_url: str, tmp_path: Path) -> Iterator[Desk]:
    yield from _desk(seeded_templates, "campaign_desk", _seed_campaign_desk, county_db_url, tmp_path, CYCLE_NOW)
