"""The real bot (database, parser, handlers, outbox) behind the real WeCom transport, against the local WeCom
stand-in: a context manager the WeCom transport tests share."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.cli.bootstrap import Bot, build, load_county, open_database
from bot.clock import SystemClock
from bot.settings import Settings
from bot.transports.wecom import WecomTiming, WecomTransport
from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wecom_standin import Said, WecomStandIn

COUNTY = REPO / "bot" / "data" / "demo-county.yaml"
ROOM, OTHER_ROOM = "room-syxx@chatroom", "room-ckzx@chatroom"
SUPERVISOR, PRINCIPAL = "wxid_zhouyonghong", "wxid_liuyang"  # opaque strings: used as WeCom userids
FAST = WecomTiming(ping_interval=0.2, connect_timeout=2.0, send_timeout=2.0, close_timeout=0.2, stop_timeout=2.0,
                   backoff_initial=0.05, backoff_max=0.2, refused_backoff=0.3, stable_after=0.5,
                   handle_retry_delay=0.01)


@dataclass
class World:
    standin: WecomStandIn
    bot: Bot
    transport: WecomTransport
    settings: Settings
    tasks: tuple[asyncio.Task[None], asyncio.Task[None]]  # the outbox sender, the transport

    async def restart(self) -> None:
        """Stop the bot and start a new one — a new database connection, App, outbox and transport, nothing kept in
        memory — on the same database, against the same WeCom."""
        await self._stop()
        self.bot, self.transport, self.tasks = await _start(self.settings)
        await eventually(lambda: self.transport.connected)

    async def _stop(self) -> None:
        sender, runner = self.tasks
        await self.transport.stop()
        await asyncio.wait_for(runner, 5)
        self.bot.outbox.stop()
        await asyncio.wait_for(sender, 5)
        await self.bot.outbox.close()  # as `dudao run` stops: what went out marked sent
        await self.bot.db.dispose()

    def said(self, cmd: str | None = None, containing: str = "") -> list[Said]:
        return [s for s in self.standin.said if (cmd is None or s.cmd == cmd) and containing in s.content]


def county_with_webhook(tmp_path: Path, room: str, key: str) -> Path:
    """The demo county with a group robot key on one room."""
    data = yaml.safe_load(COUNTY.read_text(encoding="utf-8"))
    for entry in data["rooms"]:
        if entry["chat_id"] == room:
            entry["webhook_key"] = key
    path = tmp_path / "county-webhook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def wecom_settings(tmp_path: Path, standin: WecomStandIn, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/wecom.db", evidence_dir=tmp_path / "evidence",
        wecom_bot_id=standin.bot_id, wecom_bot_secret=standin.secret, wecom_ws_url=standin.url,
        wecom_webhook_url=standin.http.webhook_url, outbox_backoff_seconds=0.05)
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def wecom_world(tmp_path: Path, *, county: Path = COUNTY, **overrides: object) -> AsyncIterator[World]:
    standin = WecomStandIn()
    await standin.start()
    settings = wecom_settings(tmp_path, standin, **overrides)
    db = await open_database(settings.database_url)
    await load_county(db, county, SystemClock())
    await db.dispose()
    bot, transport, tasks = await _start(settings)
    world = World(standin, bot, transport, settings, tasks)
    try:
        await eventually(lambda: world.transport.connected)
        yield world
    finally:
        await world._stop()
        await standin.close_all()


async def _start(settings: Settings) -> tuple[Bot, WecomTransport, tuple[asyncio.Task[None], asyncio.Task[None]]]:
    db = await open_database(settings.database_url)
    clock = SystemClock()
    transport = WecomTransport(settings, clock, timing=FAST)
    bot = build(settings, clock, db, transport)
    await bot.outbox.recover()  # as `dudao run` starts
    sender = asyncio.create_task(bot.outbox.run(poll_seconds=0.05))
    runner = asyncio.create_task(transport.run(bot))
    return bot, transport, (sender, runner)
