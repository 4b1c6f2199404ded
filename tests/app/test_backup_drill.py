"""The restore drill (docs/deploy.md, Backups): a backup taken while messages stream in, restored elsewhere — every
finding, event and photo of the archive is there, the photos' files match, and `dudao doctor` finds nothing
missing. On SQLite (the online backup API) and PostgreSQL (pg_dump on an exported snapshot, restored into a
database of its own, dropped after)."""
from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.cli.bootstrap import connect_database
from bot.cli.doctor import doctor
from bot.settings import Settings
from bot.storage import backup as b
from bot.storage import models as m
from tests.conftest import PG_URL, _admin
from tests.support.photos import photo

SYXX = "room-syxx@chatroom"  # 实验小学督导联络群
ZHOU, LIUYANG = "wxid_zhouyonghong", "wxid_liuyang"


async def _stream(h, start: int, n: int, going: asyncio.Event | None = None) -> None:  # noqa: ANN001 — the harness
    for i in range(start, start + n):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 扶手松动{i}", files=(photo(f"p{i}.png", seed=i),))
        if going is not None and i - start == 2:
            going.set()  # three in: the backup starts while the rest come
        await asyncio.sleep(0)


async def _rows(db, model, *columns):  # noqa: ANN001, ANN202
    async with db.reading() as s:
        return {tuple(r) for r in (await s.execute(select(*columns).order_by(columns[0]))).all()}


@pytest.fixture
async def restore_url(harness, tmp_path: Path) -> str:  # noqa: ANN001 — the harness decides the backend
    if harness.app.db.dialect == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/restored/dudao.db"
        return
    name = f"dudao_restore_{os.getpid()}"
    await _admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    await _admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_a_backup_during_a_stream_of_messages_restores_whole(harness, tmp_path: Path,
                                                                   restore_url: str) -> None:
    h = harness
    await _stream(h, 1, 5)
    going = asyncio.Event()
    streaming = asyncio.create_task(_stream(h, 100, 40, going))
    await going.wait()
    written = await b.backup(h.app.db, h.app.settings, tmp_path / "backups")
    await streaming
    assert written.path.name.startswith("dudao-") and written.path.suffixes[-2:] == [".tar", ".gz"]
    assert not list((tmp_path / "backups").glob("*.partial"))
    assert 8 <= written.counts["findings"] < 45, written.counts  # taken mid-stream: some of it in, some not
    assert written.photos == written.counts["evidence"]
    assert written.missing == 0

    settings = Settings(_env_file=None, database_url=restore_url, evidence_dir=tmp_path / "restored" / "evidence")
    target = await connect_database(restore_url)
    try:
        restored = await b.restore(target, settings, written.path)
        assert restored.notes == []
        for table in ("findings", "finding_events", "evidence", "handled_messages", "outbox", "people"):
            assert restored.counts[table] == written.counts[table], table
        # every finding, event and photo of the archive, as it was in the source
        source, copy = h.app.db, target
        for model, columns in ((m.Finding, (m.Finding.id, m.Finding.number, m.Finding.description)),
                               (m.FindingEvent, (m.FindingEvent.id, m.FindingEvent.finding_id, m.FindingEvent.kind)),
                               (m.Evidence, (m.Evidence.id, m.Evidence.finding_id, m.Evidence.sha256))):
            there = await _rows(copy, model, *columns)
            assert len(there) == written.counts[model.__tablename__]
            assert there <= await _rows(source, model, *columns)
        async with copy.reading() as s:
            photos = (await s.execute(select(m.Evidence.path, m.Evidence.sha256))).all()
        for path, sha in photos:
            assert Path(path).is_relative_to(settings.evidence_dir)
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
    finally:
        await target.dispose()
    _, report = await doctor(settings, wait=0.1)
    assert f"✓ 照片记录 {written.counts['evidence']} 条，文件都在。" in report, report
    assert "✓ 县文件已加载" in report and "数据库打不开" not in report


async def test_restore_refuses_a_target_that_is_not_empty(harness, tmp_path: Path) -> None:
    h = harness
    await _stream(h, 1, 2)
    written = await b.backup(h.app.db, h.app.settings, tmp_path / "one.tar.gz")
    assert written.path == tmp_path / "one.tar.gz"
    before = await _rows(h.app.db, m.Finding, m.Finding.id, m.Finding.description)
    with pytest.raises(b.BackupError) as refused:
        await b.restore(h.app.db, h.app.settings, written.path)
    assert refused.value.kind == "not_empty" and refused.value.values["rows"] > 0
    assert await _rows(h.app.db, m.Finding, m.Finding.id, m.Finding.description) == before
    assert not list(tmp_path.glob(".dudao-restore-*"))  # the staging folder is gone


async def test_scheduled_backups_keep_the_newest_and_run_the_command(harness, tmp_path: Path) -> None:  # noqa: ANN001
    h = harness
    folder, away = tmp_path / "share", tmp_path / "elsewhere"
    folder.mkdir()
    away.mkdir()
    for name in ("dudao-20200101-023000.tar.gz", "dudao-20200102-023000.tar.gz", "dudao-20200103-023000.tar.gz",
                 "dudao-20200104-023000.tar.gz.partial", "notes.txt"):
        (folder / name).write_text("old")
        os.utime(folder / name, (0, 0))  # written long ago
    (folder / "dudao-20991231-000000.tar.gz.partial").write_text("another backup, still writing")
    settings = h.app.settings.model_copy(update={"backup_dir": folder, "backup_keep": 2,
                                                 "backup_command": f"cp {{archive}} {away}/"})
    written = await b.scheduled(h.app.db, settings)
    assert written is not None
    assert sorted(p.name for p in folder.iterdir()) == ["dudao-20200103-023000.tar.gz", written.path.name,
                                                        "dudao-20991231-000000.tar.gz.partial", "notes.txt"]
    assert (away / written.path.name).read_bytes() == written.path.read_bytes()
    assert b.run_command("false", written.path) is False  # a failing command is logged, not raised


async def test_doctor_says_when_the_last_good_backup_is_too_old(harness, tmp_path: Path) -> None:  # noqa: ANN001
    h = harness
    settings = h.app.settings.model_copy(update={"backup_dir": tmp_path / "share", "backup_max_age_hours": 26})
    _, report = await doctor(settings, wait=0.1)
    assert "! 还没有做过备份。已设置 BACKUP_DIR=" in report
    await b.backup(h.app.db, settings, tmp_path / "share")
    async with h.app.db.reading() as s:
        last = await b.last_good_backup(s)
    assert last is not None and abs((last - datetime.now(UTC)).total_seconds()) < 120
    _, report = await doctor(settings, wait=0.1)
    assert "✓ 最近一次成功的备份在" in report
    _, report = await doctor(settings, wait=0.1, clock=Later(timedelta(hours=30)))
    assert "已经过去 30 小时，超过了 BACKUP_MAX_AGE_HOURS=26" in report, report


async def test_restore_refuses_while_a_bot_holds_the_target(harness, tmp_path: Path) -> None:  # noqa: ANN001
    from bot.cli.backup_cli import _restore
    from bot.storage import instance

    h = harness
    written = await b.backup(h.app.db, h.app.settings, tmp_path / "one.tar.gz")
    lock = await instance.acquire(h.app.db)
    try:
        with pytest.raises(b.BackupError) as refused:
            await _restore(h.app.settings.model_copy(update={"evidence_dir": tmp_path / "x"}), written.path, True)
        assert refused.value.kind == "busy"
    finally:
        await lock.release()


class Later:
    def __init__(self, ahead: timedelta) -> None:
        self.ahead = ahead

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead
