"""The history floor against a gateway whose clock is not ours: new messages are handed in with the clocks 5 minutes
(or, where the gateway tells its time, a day) apart; history a gateway really replays is still skipped, counted and
said at WARNING with the first one's time. The real python-wechaty client against the local stand-in, whose clock
is set apart (`clock_offset`) and told in a Date header as a Node gateway does (`send_date`)."""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.bootstrap import build, load_county, open_database
from bot.clock import SystemClock
from bot.settings import Settings
from bot.transports.wechaty import WechatyTransport
from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wechaty_standin import PuppetStandIn
from tests.transports.test_wechaty_transport import FAST, ROOM, A, RecordingApp, start

FIVE_MINUTES, DAY = 300.0, 86400.0


@pytest.fixture
async def standin():
    s = PuppetStandIn()
    s.add_contact(A, "甲")
    s.add_room(ROOM, "第一群", [A])
    yield s
    await s.stop()


def _gateway_time(standin: PuppetStandIn, seconds_ago: float = 0.0) -> datetime:
    return datetime.fromtimestamp(standin.now() - seconds_ago, tz=UTC)


@pytest.mark.parametrize("send_date", [True, False], ids=["gateway-tells-its-time", "no-date-header"])
@pytest.mark.parametrize("ledger", ["empty", "used"])
async def test_our_clock_5_minutes_ahead_of_the_gateway_hides_no_new_message(standin, send_date, ledger) -> None:
    standin.clock_offset, standin.send_date = -FIVE_MINUTES, send_date
    await standin.start()
    last = _gateway_time(standin, 3600) if ledger == "used" else None
    transport, app, task = await start(standin, RecordingApp(last_handled=last))
    try:
        standin.text(A, "new", room=ROOM)
        standin.text(A, "sent a minute ago", room=ROOM, timestamp=standin.now() - 60)
        await eventually(lambda: len(app.inbound) == 2)
        assert transport.receiver.skipped_history == 0
    finally:
        await transport.stop()
        await task


async def test_a_day_apart_on_a_used_ledger_the_gateways_own_clock_decides(standin, caplog) -> None:
    """The clocks a day apart, beyond any allowance: the gateway's Date header gives its time, the floor is set by
    it, and the log says at WARNING how far apart the clocks are."""
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    standin.clock_offset = -DAY
    await standin.start()
    transport, app, task = await start(standin, RecordingApp(last_handled=_gateway_time(standin, 3600)))
    try:
        standin.text(A, "new", room=ROOM)
        await eventually(lambda: app.inbound)
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("1 day ahead of the gateway's" in w for w in warnings), warnings
    finally:
        await transport.stop()
        await task


async def test_a_day_apart_without_the_gateways_time_is_said_at_warning_and_counted(standin, caplog) -> None:
    """The limit of the allowance: a gateway that does not tell its time, a day behind our clock — what looks like
    history is skipped, but loudly: each run's first message with its time, and the count."""
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    standin.clock_offset, standin.send_date = -DAY, False
    await standin.start()
    transport, app, task = await start(standin, RecordingApp(last_handled=_gateway_time(standin, 3600)))
    try:
        for i in range(3):
            standin.text(A, f"new {i}", room=ROOM)
        await eventually(lambda: transport.receiver.skipped_history == 3)
        first = next(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
                     and "skipping replayed history" in r.getMessage())
        assert "CLOCK_SKEW_MINUTES" in first and "dudao doctor" in first
        assert app.inbound == []
    finally:
        await transport.stop()
        await task


async def test_real_history_is_still_skipped_counted_and_said_with_the_first_ones_time(standin, caplog) -> None:
    """Our clock 5 minutes ahead, the gateway replaying yesterday's messages on login: those are skipped — at
    WARNING, the first with its time, then how many in all when the run ends — and the new one is handed in."""
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    standin.clock_offset, standin.send_date = -FIVE_MINUTES, False
    await standin.start()
    yesterday = standin.now() - DAY
    for i in range(3):
        standin.text(A, f"yesterday {i}", room=ROOM, timestamp=yesterday + i)
    standin.text(A, "new", room=ROOM)
    transport, app, task = await start(standin, RecordingApp(last_handled=_gateway_time(standin, 3600)))
    try:
        await eventually(lambda: app.inbound)
        assert [m.text for m in app.inbound] == ["new"] and transport.receiver.skipped_history == 3
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        first_sent = datetime.fromtimestamp(int(yesterday * 1000) / 1000, tz=UTC).isoformat()
        assert any("skipping replayed history" in w and first_sent in w for w in warnings), warnings
        assert any("3 messages skipped as replayed history in all" in w and first_sent in w for w in warnings)
    finally:
        await transport.stop()
        await task


async def test_the_real_core_with_our_clock_5_minutes_ahead(standin, tmp_path: Path) -> None:
    """The whole path — the real core and database — with the gateway 5 minutes behind our clock: a finding is
    answered on the first connection (an empty ledger) and after a reconnect (a used one), and what the gateway
    replays of yesterday is not."""
    supervisor, principal, room = "wxid_zhouyonghong", "wxid_liuyang", "room-syxx@chatroom"
    standin.add_contact(supervisor, "周永红")
    standin.add_contact(principal, "刘洋")
    standin.add_room(room, "实验小学督导联络群", [supervisor, principal])
    standin.clock_offset, standin.send_date = -FIVE_MINUTES, False
    await standin.start()
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/clock.db",
                        evidence_dir=tmp_path / "evidence", wechaty_puppet_service_endpoint=standin.endpoint,
                        wechaty_puppet_service_token="clock-token", wechaty_room_interval_seconds=0.0,
                        wechaty_between_rooms_seconds=0.0, outbox_backoff_seconds=0.05)
    db = await open_database(settings.database_url)
    await load_county(db, REPO / "bot" / "data" / "demo-county.yaml", SystemClock())
    transport = WechatyTransport(settings, SystemClock(), timing=FAST)
    bot = build(settings, SystemClock(), db, transport)
    sender = asyncio.create_task(bot.outbox.run(poll_seconds=0.05))
    runner = asyncio.create_task(transport.run(bot))

    def replies(containing: str) -> list[str]:
        return [t.text for t in standin.sent_texts if containing in t.text]

    try:
        await eventually(lambda: transport.connected)
        standin.text(supervisor, "#问题 实验小学 消防通道堆放杂物", room=room)
        await eventually(lambda: replies("已登记"))
        await standin.stop()
        await eventually(lambda: not transport.connected)
        standin.text(supervisor, "#问题 实验小学 灭火器过期", room=room, timestamp=standin.now() - DAY)  # history
        standin.text(principal, "#查询 Q1", room=room)
        await standin.start()
        await eventually(lambda: replies("消防通道堆放杂物") and len(standin.sent_texts) >= 2)
        await asyncio.sleep(0.1)
        assert len(replies("已登记")) == 1 and not replies("灭火器过期")
        assert transport.receiver.skipped_history == 1
    finally:
        await transport.stop()
        await asyncio.wait_for(runner, 5)
        bot.outbox.stop()
        await asyncio.wait_for(sender, 5)
        await db.dispose()
