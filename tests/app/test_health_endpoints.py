"""/healthz and /metrics against a running bot (`dudao run`'s own wiring: Bot.run with the health app on
METRICS_LISTEN, uvicorn, real HTTP): 200 while the database answers and the chat connection is up or has been
reconnecting for less than a minute; 503 with a short JSON body saying why otherwise (the connection down longer,
the database refusing connections — PostgreSQL); the Prometheus figures (messages handled, replies pending and the
oldest's age, dead letters, reconnects, the last sweep, desk logins) parse and move with what happens. The desk's
port serves them too, behind the desk's headers."""
from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli.bootstrap import Bot, build, open_database
from bot.cli.desk_actions import with_servers
from bot.clock import VirtualClock
from bot.messages import Inbound
from bot.settings import Settings
from tests.conftest import PG_URL
from tests.support.harness import T0, RecordingTransport, until_idle
from tests.support.waiting import eventually

SYXX, ZHOU = "room-syxx@chatroom", "wxid_zhouyonghong"


class Standing(RecordingTransport):
    """Receives nothing and runs until stopped; `connected` set by the test."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(clock)
        self.stopped, self.running = asyncio.Event(), asyncio.Event()

    async def run(self, inlet: object) -> None:
        self.running.set()  # Bot.run has started everything else (the sender, the scheduler)
        await self.stopped.wait()

    async def stop(self) -> None:
        self.stopped.set()


@dataclass
class Running:
    bot: Bot
    transport: Standing
    clock: VirtualClock
    base: str
    http: httpx.AsyncClient
    seq: int = 0

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(self.base + path)

    async def figures(self) -> dict[str, float]:
        answer = await self.get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        found = {}
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                found[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
        return found

    async def message(self, text: str) -> None:
        self.seq += 1
        await self.bot.handle(Inbound(room=SYXX, sender=ZHOU, text=text, at=self.clock.now(),
                                      message_id=f"m{self.seq}"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def _running(url: str, tmp: Path, **settings: object) -> AsyncIterator[Running]:
    port = _free_port()
    values: dict[str, object] = dict(database_url=url, evidence_dir=tmp / "evidence", spool_dir=tmp / "spool",
                                     metrics_listen=f"127.0.0.1:{port}", lock_check_seconds=0.2,
                                     alert_after_minutes=0)
    values.update(settings)
    config = Settings(_env_file=None, **values)  # type: ignore[arg-type]
    db = await open_database(url)
    clock = VirtualClock(T0)
    transport = Standing(clock)
    bot = build(config, clock, db, transport, paced=False)
    task = asyncio.create_task(with_servers(config, db, bot, web=False))
    async with httpx.AsyncClient(timeout=10) as http:
        running = Running(bot, transport, clock, f"http://127.0.0.1:{port}", http)

        async def up() -> bool:
            if task.done():
                task.result()
            try:
                return (await running.get("/healthz")).status_code in (200, 503)
            except httpx.TransportError:
                return False

        try:
            await eventually(up, 20)
            await asyncio.wait_for(transport.running.wait(), 20)
            yield running
        finally:
            await transport.stop()
            await asyncio.wait_for(task, 20)
            await db.dispose()


@pytest.fixture
async def running(county_db_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    async with _running(county_db_url, tmp_path) as r:
        yield r


async def test_healthy_then_figures_move_with_messages_and_sweeps(running: Running) -> None:
    answer = await running.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "problems": {}}
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["cache-control"] == "no-store"
    before = await running.figures()
    assert before["dudao_messages_handled_total"] == 0 and before["dudao_outbox_pending{kind=reply}"] == 0
    assert before["dudao_database_up"] == 1 and before["dudao_chat_connected"] == 1 and before["dudao_healthy"] == 1
    for name in ("dudao_outbox_dead", "dudao_chat_reconnects_total", "dudao_last_sweep_timestamp_seconds",
                 "dudao_last_sweep_duration_seconds", "dudao_desk_logins_24h{outcome=ok}",
                 "dudao_desk_logins_24h{outcome=failed}", "dudao_replies_oldest_pending_seconds"):
        assert name in before, name

    await running.message("@督导助手 #帮助")
    await eventually(lambda: running.transport.sent)  # the running sender sent the reply
    await running.bot.sweep()
    after = await running.figures()
    assert after["dudao_messages_handled_total"] == 1 and after["dudao_sweeps_total"] >= before["dudao_sweeps_total"] + 1
    assert after["dudao_last_sweep_timestamp_seconds"] == running.clock.now().timestamp()
    assert after["dudao_last_sweep_duration_seconds"] > 0


async def test_a_reply_waiting_is_counted_with_its_age(running: Running) -> None:
    running.transport.fail_next = 10**6  # every send fails; a retry comes due only as the virtual clock moves
    await running.message("@督导助手 #帮助")

    async def failed_once() -> bool:
        return (await running.figures())["dudao_outbox_pending{kind=reply}"] == 1

    await eventually(failed_once)
    running.clock.advance_to(running.clock.now() + timedelta(minutes=20))
    figures = await running.figures()
    assert figures["dudao_outbox_pending{kind=reply}"] == 1
    assert figures["dudao_replies_oldest_pending_seconds"] >= 20 * 60
    body = (await running.get("/healthz")).json()
    assert body["status"] == "ok" and "replies" in body["problems"]  # said, but not a failure of the bot itself
    running.transport.fail_next = 0


async def test_dead_letters_are_counted(county_db_url: str, tmp_path: Path) -> None:
    async with _running(county_db_url, tmp_path, outbox_max_attempts=1) as r:
        await until_idle(r.bot)
        r.transport.fail_next = 1  # one attempt only: the reply is dead at once (and the office told)
        await r.message("@督导助手 #帮助")
        await eventually(lambda: r.transport.fail_next == 0)

        async def dead() -> bool:
            return (await r.figures())["dudao_outbox_dead"] == 1

        await eventually(dead)


async def test_the_chat_connection_down_for_more_than_a_minute_is_503(running: Running) -> None:
    running.transport.connected = False
    health = running.bot.health
    assert health is not None
    await eventually(lambda: health.down_since is not None)  # the watcher looks every second
    running.clock.advance_to(running.clock.now() + timedelta(seconds=50))
    assert (await running.get("/healthz")).status_code == 200  # reconnecting for less than a minute
    running.clock.advance_to(running.clock.now() + timedelta(seconds=15))
    answer = await running.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unhealthy" and body["failing"] == ["chat"] and "chat connection" in body["problems"]["chat"]
    assert (await running.figures())["dudao_chat_connected"] == 0
    running.transport.connected = True
    await eventually(lambda: running.bot.health is not None and running.bot.health.down_since is None)
    assert (await running.get("/healthz")).status_code == 200
    assert (await running.figures())["dudao_chat_reconnects_total"] == 1


async def test_the_database_refusing_connections_is_503_and_200_again_when_it_is_back(
        county_db_url: str, tmp_path: Path) -> None:
    if not county_db_url.startswith("postgresql"):
        pytest.skip("the database taken away while the bot runs: PostgreSQL (a server that refuses connections)")
    name = make_url(county_db_url).database
    admin = create_async_engine(PG_URL or "", isolation_level="AUTOCOMMIT")
    try:
        async with _running(county_db_url, tmp_path) as r:
            async with admin.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            answer = await r.get("/healthz")
            assert answer.status_code == 503 and answer.json()["failing"] == ["database"]
            assert "database does not answer" in answer.json()["problems"]["database"]
            assert "dudao_database_up 0.0" in (await r.get("/metrics")).text
            async with admin.connect() as conn:
                await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))

            async def healthy() -> bool:
                return (await r.get("/healthz")).status_code == 200

            await eventually(healthy, 15)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        await admin.dispose()


async def test_the_desk_serves_them_too_behind_its_headers(county_db_url: str, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from bot.cli.health_http import health_routes
    from bot.web.desk import create_app

    settings = Settings(database_url=county_db_url, evidence_dir=tmp_path / "e", _env_file=None)
    db = await open_database(county_db_url)
    try:
        bot = build(settings, VirtualClock(T0), db, Standing(VirtualClock(T0)), paced=False)
        assert bot.health is not None
        desk = create_app(settings, db, bot.clock, routes=health_routes(bot.health))
        with TestClient(desk) as client:
            answer = client.get("/healthz")
            assert answer.status_code in (200, 503) and "status" in answer.json()
            assert "default-src 'self'" in answer.headers["content-security-policy"]
            assert "\ndudao_messages_handled_total 0.0\n" in client.get("/metrics").text
    finally:
        await db.dispose()
