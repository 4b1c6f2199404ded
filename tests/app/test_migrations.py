"""Migrations: a new database upgrades to head, the models match the migrated schema exactly, and every
revision downgrades and upgrades again — on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.storage.base import Base
from bot.storage.engine import Database
from bot.storage.migrate import alembic_config, upgrade_database


def _diff(connection: Connection) -> list:
    return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def _run(connection: Connection, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    getattr(command, action)(cfg, revision)


async def test_models_match_the_migrated_schema(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await db.dispose()


async def test_each_revision_downgrades_and_upgrades(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade_database(db)
        for target in ("0001", "base"):
            async with db.engine.begin() as conn:
                await conn.run_sync(_run, "downgrade", target)
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await db.dispose()


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from bot.storage.migrate import head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_at_the_head_is_not_migrated_again(sqlite_url: str) -> None:
    from bot.storage.engine import Database
    from bot.storage.migrate import current_revision, head_revision

    db = Database(sqlite_url)
    try:
        assert await current_revision(db) is None
        await upgrade_database(db)
        assert await current_revision(db) == head_revision()
        statements: list[str] = []
        from sqlalchemy import event

        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        await upgrade_database(db)
        assert [s for s in statements if not s.startswith("BEGIN")] == ["SELECT version_num FROM alembic_version"]
    finally:
        await db.dispose()


async def test_a_long_running_process_migrates_in_a_child_and_here_if_the_child_cannot(sqlite_url: str,
                                                                                      monkeypatch) -> None:
    """`dudao run` and `dudao web` leave the upgrade to a child process (Alembic never enters their memory); should
    the child fail, the upgrade is done in the process itself."""
    from bot.storage import migrate

    def not_here(*_args: object) -> None:
        raise AssertionError("migrated in the parent")

    with monkeypatch.context() as patch:
        patch.setattr(migrate, "_upgrade", not_here)
        db = Database(sqlite_url)
        try:
            await upgrade_database(db, in_child=True)  # the child did it, or not_here would have raised
            assert await migrate.current_revision(db) == migrate.head_revision()
        finally:
            await db.dispose()

    second = sqlite_url.replace("test.db", "second.db")
    monkeypatch.setattr(migrate.sys, "executable", "/bin/false")  # a child that cannot migrate
    db = Database(second)
    try:
        await upgrade_database(db, in_child=True)
        assert await migrate.current_revision(db) == migrate.head_revision()
    finally:
        await db.dispose()


async def test_0007_backfills_the_roster_history_from_the_current_roster_and_downgrades(db_url: str) -> None:
    """A database at 0006 with a roster gets one open span a current active school (its district) and a current
    supervisor link, dated the history start: its history reproduces today's roster. Downgrading drops them."""
    from sqlalchemy import insert, inspect, select

    from bot.storage import models as m
    from bot.storage.roster_history import HISTORY_START

    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "upgrade", "0006")
            await conn.execute(insert(m.District.__table__), [dict(id=1, name="甲区", active=True),
                                                              dict(id=2, name="乙区", active=True)])
            await conn.execute(insert(m.School.__table__), [
                dict(id=1, name="一中", short_names=[], district_id=1, active=True),
                dict(id=2, name="二中", short_names=[], district_id=2, active=True),
                dict(id=3, name="旧校", short_names=[], district_id=2, active=False)])
            await conn.execute(insert(m.Person.__table__), [
                dict(id=1, key="p-a", name="督学甲", role="督学", active=True),
                dict(id=2, key="p-b", name="督学乙", role="督学", active=True)])
            await conn.execute(insert(m.SupervisorSchool.__table__), [dict(person_id=1, school_id=1),
                                                                      dict(person_id=1, school_id=2),
                                                                      dict(person_id=2, school_id=2)])
        await upgrade_database(db)
        d, s = m.SchoolDistrictSpan, m.SupervisionSpan
        async with db.engine.connect() as conn:
            districts = (await conn.execute(select(d.school_id, d.district_id, d.starts_at, d.ends_at)
                                            .order_by(d.school_id))).all()
            held = (await conn.execute(select(s.person_id, s.school_id, s.starts_at, s.ends_at)
                                       .order_by(s.person_id, s.school_id))).all()
        assert districts == [(1, 1, HISTORY_START, None), (2, 2, HISTORY_START, None)]
        assert held == [(1, 1, HISTORY_START, None), (1, 2, HISTORY_START, None), (2, 2, HISTORY_START, None)]
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "downgrade", "0006")
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "schools" in tables and not {"school_district_spans", "supervision_spans"} & set(tables)
    finally:
        await db.dispose()


async def test_0010_keeps_the_desk_accounts_and_downgrades(db_url: str) -> None:
    """A database at 0008 with a desk account (and the old pause columns) upgrades with the account and its hash
    intact and the new tables empty; downgrading gives the old columns back."""
    from datetime import UTC, datetime

    from sqlalchemy import inspect, text

    db = Database(db_url)
    at = datetime(2024, 3, 1, tzinfo=UTC)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "upgrade", "0008")
            await conn.execute(text("INSERT INTO people (id, key, name, role, active) "
                                    "VALUES (1, 'p-a', '甲', '督导室', true)"))
            await conn.execute(text("INSERT INTO web_accounts (id, person_id, username, password_hash, active, epoch, "
                                    "failures, paused_until, created_at, updated_at) VALUES (1, 1, 'p-a', 'h', true, "
                                    "3, 2, NULL, :at, :at)"), {"at": at})
        await upgrade_database(db)
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT username, password_hash, active FROM web_accounts"))).all() == \
                [("p-a", "h", True)]
            assert (await conn.execute(text("SELECT count(*) FROM web_sessions"))).scalar() == 0
            columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("web_accounts")})
        assert not {"epoch", "failures", "paused_until"} & columns
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "downgrade", "0008")
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("web_accounts")})
            assert (await conn.execute(text("SELECT epoch, failures FROM web_accounts"))).all() == [(1, 0)]
        assert {"epoch", "failures", "paused_until"} <= columns and not {"web_sessions", "audit_log"} & set(tables)
    finally:
        await db.dispose()


async def test_0012_adds_the_bulletins_with_their_bytes_and_downgrades(db_url: str) -> None:
    """From 0011: the table comes, holds a document's bytes exactly (and a correction naming it), refuses a 文号
    twice; downgrading drops it and leaves the rest."""
    from datetime import UTC, date, datetime

    from sqlalchemy import insert, inspect, select
    from sqlalchemy.exc import IntegrityError

    from bot.storage import models as m

    data = bytes(range(256)) * 4  # every byte value, NUL included
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "upgrade", "0011")
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            assert "bulletins" not in tables
            await conn.execute(insert(m.Person.__table__), [dict(id=1, key="p-liu", name="刘建国", role="督导室",
                                                                 active=True)])
            await conn.run_sync(_run, "upgrade", "0012")
            row = dict(kind="monthly", subject="2024-03", period_first=date(2024, 3, 1), period_last=date(2024, 3, 31),
                       label="2024年3月", title="通报", issued_on=date(2024, 4, 2), issued_by=1,
                       issued_at=datetime(2024, 4, 2, 2, tzinfo=UTC), reason="", name="a.docx", document=data,
                       sha256="0" * 64, text="通报")
            await conn.execute(insert(m.Bulletin.__table__), [dict(row, id=1, number="城督〔2024〕3号"),
                                                              dict(row, id=2, number="城督〔2024〕5号", corrects_id=1)])
            assert (await conn.execute(select(m.Bulletin.document).where(m.Bulletin.id == 1))).scalar() == data
        async with db.engine.connect() as conn:
            with pytest.raises(IntegrityError):
                await conn.execute(insert(m.Bulletin.__table__), [dict(row, id=3, number="城督〔2024〕3号")])
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "downgrade", "0011")
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            assert "bulletins" not in tables and "people" in tables
    finally:
        await db.dispose()


async def test_0015_hashes_the_photos_already_stored(db_url: str, tmp_path) -> None:
    """Photos stored before the hints get their dHash and EXIF from their files; a missing file stays unhashed."""
    from sqlalchemy import text

    from bot.ledger import photo_hash
    from tests.support.camera import place, with_exif

    picture = tmp_path / "old.jpg"
    picture.write_bytes(with_exif(place(21), taken="2024:03:01 08:00:00", gps=(31.9465, 108.6647)))
    db = Database(db_url)
    try:
        await upgrade_database(db)
        async with db.engine.begin() as conn:
            await conn.run_sync(_run, "downgrade", "0014")
            for i, path in ((1, str(picture)), (2, str(tmp_path / "gone.jpg"))):
                await conn.execute(text(
                    "INSERT INTO evidence (id, sender_chat_id, path, sha256, size, name, received_at) "
                    "VALUES (:i, 'wxid_x', :p, :s, 1, '', :at)"),
                    dict(i=i, p=path, s=f"{i:064d}", at=datetime(2024, 3, 11, 1, 0, tzinfo=UTC)))
            await conn.run_sync(_run, "upgrade", "head")
            rows = (await conn.execute(text("SELECT id, phash, phash_b0, taken_at, gps_lat FROM evidence "
                                            "ORDER BY id"))).all()
    finally:
        await db.dispose()
    expected = photo_hash.read(picture.read_bytes()).phash
    assert rows[0][1] == expected and rows[0][2] == photo_hash.bands(expected)[0] and rows[0][4] == 31.9465
    assert str(rows[0][3]).startswith("2024-03-01 00:00:00")  # 08:00 in UTC+8
    assert rows[1][1:] == (None, None, None, None)
