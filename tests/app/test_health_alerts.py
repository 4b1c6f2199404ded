"""The office is told when the bot has been unwell for ALERT_AFTER_MINUTES and when it is well again (bot/cli/health.py
Alerter, issue #28 item 4): once each, never more than one alert an hour per cause, the causes apart; a cause added
by another part (the backups' `backup`) through the registry; the chat down with no other path: one message on
reconnection saying how long the bot was away. On the real app and outbox, the virtual clock moved by hand."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.bootstrap import open_database
from bot.cli.health import Cause, Problem
from bot.clock import VirtualClock
from bot.settings import Settings
from tests.support.harness import T0, Harness

OFFICE_ROOM, SYXX, ZHOU = "room-office@chatroom", "room-syxx@chatroom", "wxid_zhouyonghong"


@pytest.fixture
async def h(county_db_url: str, tmp_path: Path):
    settings = Settings(database_url=county_db_url, evidence_dir=tmp_path / "evidence", spool_dir=tmp_path / "spool",
                        alert_after_minutes=10, alert_replies_waiting_minutes=2, _env_file=None)
    harness = Harness.on(settings, VirtualClock(T0), await open_database(county_db_url))
    yield harness
    await harness.close()


def _told(h: Harness, since: int = 0) -> list[str]:
    return [s.text for s in h.transport.sent[since:] if s.out.room == OFFICE_ROOM and "【系统" in s.text]


async def _tick_at(h: Harness, minutes: float) -> list[str]:
    h.clock.advance_to(T0 + timedelta(minutes=minutes))
    assert h.app.alerter is not None
    return await h.app.alerter.tick()


async def test_a_reply_waiting_too_long_is_told_once_and_its_recovery_once_at_most_one_alert_an_hour(
        h: Harness) -> None:
    h.transport.fail_next = 1  # the reply's first send fails: it waits for its retry, which nobody runs yet
    await h.say(SYXX, ZHOU, "@督导助手 #帮助")
    assert await _tick_at(h, 1) == []  # waiting 1 minute: not yet a problem
    assert await _tick_at(h, 3) == []  # a problem since now (waiting > 2 minutes) ...
    assert await _tick_at(h, 12.5) == []  # ... for 9.5 minutes: not yet told
    (alert,) = await _tick_at(h, 13)
    assert alert.startswith("【系统提醒】") and "回复已等待约 13 分钟" in alert
    assert _told(h) == [alert]  # in the office room, once
    assert await _tick_at(h, 14) == []
    await h.app.drain_outbox()  # the retry is due: the reply goes out
    (recovered,) = await _tick_at(h, 15)
    assert recovered.startswith("【系统恢复】") and _told(h) == [alert, recovered]
    assert await _tick_at(h, 16) == []

    h.transport.fail_next = 1  # the same cause again within the hour: not told again
    await h.say(SYXX, ZHOU, "@督导助手 #帮助 问题")
    assert await _tick_at(h, 20) == []
    assert await _tick_at(h, 40) == []  # unwell 20 minutes, but the last alert was 27 minutes ago
    (again,) = await _tick_at(h, 74)  # an hour after the last alert
    assert "回复已等待约 58 分钟" in again and len(_told(h)) == 3


async def test_each_cause_is_told_on_its_own_and_a_registered_cause_has_its_own_words(h: Harness) -> None:
    """The backups' helper registers `backup` (its check, its values); it is told apart from the others."""
    stale = {"now": True}

    async def backup(now: object) -> Problem | None:
        return Problem("last good backup 30 h ago", {"hours": 30}) if stale["now"] else None

    assert h.app.health is not None
    h.app.health.register(Cause("backup", backup))
    h.transport.fail_next = 1
    await h.say(SYXX, ZHOU, "@督导助手 #帮助")
    assert await _tick_at(h, 3) == []
    told = await _tick_at(h, 13)
    assert len(told) == 2 and any("超过 30 小时没有成功备份" in t for t in told) and any("回复" in t for t in told)
    report = await h.app.health.report()
    assert report.ok and set(report.problems) == {"replies", "backup"}  # named, not failing /healthz
    stale["now"] = False
    (recovered,) = await _tick_at(h, 14)
    assert "成功完成备份" in recovered
    assert await _tick_at(h, 20) == []  # the replies still wait: told once already


async def test_the_chat_down_with_no_other_path_is_told_on_reconnection_with_how_long_it_was_away(
        h: Harness) -> None:
    h.transport.connected = False
    assert await _tick_at(h, 0.5) == []
    assert await _tick_at(h, 2) == []  # down longer than a minute: a problem since now
    assert await _tick_at(h, 12) == []  # due, but there is no way to tell anyone (no group robot webhook)
    assert h.transport.sent == []
    report = await h.app.health.report()  # type: ignore[union-attr]
    assert not report.ok and report.critical == {"chat"}
    h.transport.connected = True
    (back,) = await _tick_at(h, 20)
    assert "断开了约 20 分钟" in back and _told(h) == [back]
    assert await _tick_at(h, 21) == []


async def test_no_alerts_when_alert_after_minutes_is_zero(county_db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=county_db_url, evidence_dir=tmp_path / "e", alert_after_minutes=0,
                        _env_file=None)
    harness = Harness.on(settings, VirtualClock(T0), await open_database(county_db_url))
    try:
        assert harness.app.alerter is None and harness.app.health is not None
    finally:
        await harness.close()


async def test_the_database_failing_is_told_once_over_the_chat_and_its_recovery_once(
        h: Harness, county_db_url: str) -> None:
    """PostgreSQL refuses connections (the bot's own terminated): the office room is told from the roster last
    read, straight over the chat connection (the outbox is in the database); then told once that it is back."""
    if not county_db_url.startswith("postgresql"):
        pytest.skip("the database taken away while the bot runs: PostgreSQL (a server that refuses connections)")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.conftest import PG_URL

    name = make_url(county_db_url).database
    admin = create_async_engine(PG_URL or "", isolation_level="AUTOCOMMIT")

    async def allow(yes: bool) -> None:
        async with admin.connect() as conn:
            await conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(yes).lower()}'))
            if not yes:
                await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})

    try:
        assert await _tick_at(h, 0) == []  # well: the roster is read (and kept)
        await allow(False)
        assert await _tick_at(h, 1) == []  # failing since now
        assert await _tick_at(h, 10.5) == []
        (alert,) = await _tick_at(h, 11)
        assert "连不上数据库已约 10 分钟" in alert and _told(h) == [alert]
        assert await _tick_at(h, 12) == []
        await allow(True)
        (recovered,) = await _tick_at(h, 13)
        assert "已重新连上数据库（中断约 12 分钟）" in recovered and _told(h) == [alert, recovered]
        assert await _tick_at(h, 14) == []
    finally:
        await allow(True)
        await admin.dispose()


async def test_a_stale_backup_is_a_cause_when_scheduled_backups_are_on(county_db_url: str, tmp_path: Path) -> None:
    """With BACKUP_DIR set, `backup` is a built-in cause: a new installation waits BACKUP_MAX_AGE_HOURS for its first
    backup; a real backup (bot/storage/backup.py) makes it well; one older than the limit is named (not failing
    /healthz) and told."""
    from bot.storage import backup

    settings = Settings(database_url=county_db_url, evidence_dir=tmp_path / "evidence", backup_dir=tmp_path / "b",
                        backup_max_age_hours=26, alert_after_minutes=10, _env_file=None)
    h = Harness.on(settings, VirtualClock(T0), await open_database(county_db_url))
    try:
        assert h.app.health is not None and "backup" in h.app.health.causes
        h.clock.advance_to(T0 + timedelta(hours=20))  # no backup yet, but the bot has not run 26 hours
        assert "backup" not in (await h.app.health.report()).problems
        if not county_db_url.startswith("sqlite") and backup.pg_tool("pg_dump") is None:
            pytest.skip("pg_dump is not installed here")
        await backup.backup(h.app.db, settings, tmp_path / "b", now=h.clock.now())
        h.clock.advance_to(T0 + timedelta(hours=40))  # 20 hours after the backup
        assert "backup" not in (await h.app.health.report()).problems
        h.clock.advance_to(T0 + timedelta(hours=47))  # 27 hours after it
        report = await h.app.health.report()
        assert "backup" in report.problems and report.ok  # named, not failing /healthz
        assert await h.app.alerter.tick() == []  # type: ignore[union-attr]  # a problem since now
        h.clock.advance_to(T0 + timedelta(hours=47, minutes=11))
        (told,) = await h.app.alerter.tick()  # type: ignore[union-attr]
        assert "超过 26 小时没有成功备份" in told
    finally:
        await h.close()
