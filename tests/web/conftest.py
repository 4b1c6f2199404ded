"""A desk on the demo county with two findings logged through the real chat app: Q1 at 城口中学 (rectified, with a
photo) and Q2 at 复兴中学; desk logins for the office (刘建国), 城口中学's principal (王芳) and 复兴中学's (黄军)."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.web.accounts import set_password
from bot.web.desk import create_app
from tests.support.harness import T0, Harness
from tests.support.photos import photo

PASSWORDS = {"p-liu": "office-pass-1", "p-wangf": "ckzx-pass-2", "p-huangj": "fxzx-pass-3"}
CKZX, FXZX = "room-ckzx@chatroom", "room-fxzx@chatroom"


@dataclass
class Desk:
    url: str
    settings: Settings
    clock: VirtualClock
    db: Database
    schools: dict[str, int]
    photo_id: int

    def client(self) -> TestClient:
        return TestClient(create_app(self.settings, self.db, self.clock), follow_redirects=False)

    def run(self, coro):  # noqa: ANN001, ANN201 — drive the database from a sync test
        return asyncio.run(coro)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str | None = None, next: str = "/ledger"):  # noqa: ANN201
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data=dict(csrf=token, username=username, next=next,
                                           password=PASSWORDS.get(username, "") if password is None else password))


async def _seed(url: str, tmp: Path) -> tuple[dict[str, int], int]:
    h = await Harness.create(url, tmp, None)
    try:
        await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天")
        await h.say(CKZX, "wxid_wangfang", "#整改 Q1 已清理通道并张贴标识")
        await h.say(CKZX, "wxid_wangfang", files=(photo("p.png", seed=3),))
        await h.say(FXZX, "wxid_chenjing", "#问题 复兴中学 食品卫生 食堂<b>后厨</b>地面积水 限期5天")
        async with h.app.db.transaction() as s:
            for key, password in PASSWORDS.items():
                person = await s.scalar(select(m.Person).where(m.Person.key == key))
                await set_password(s, person, password, T0)
            schools = {name: sid for sid, name in (await s.execute(select(m.School.id, m.School.name))).all()}
            photo_id = await s.scalar(select(m.Evidence.id).where(m.Evidence.finding_id.is_not(None)))
    finally:
        await h.close()
    assert photo_id is not None
    return schools, photo_id


@pytest.fixture
def desk(county_db_url: str, tmp_path: Path):  # noqa: ANN201
    schools, photo_id = asyncio.run(_seed(county_db_url, tmp_path))
    settings = Settings(database_url=county_db_url, evidence_dir=tmp_path / "evidence", _env_file=None)
    # NullPool: TestClient runs each request in an event loop of its own, and an asyncpg connection belongs to one loop
    d = Desk(county_db_url, settings, VirtualClock(T0), Database(county_db_url, poolclass=NullPool), schools, photo_id)
    yield d
    asyncio.run(d.db.dispose())
