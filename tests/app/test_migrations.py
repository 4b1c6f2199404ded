"""Migrations: a new database upgrades to head, the models match the migrated schema exactly, and every
revision downgrades and upgrades again — on SQLite and PostgreSQL."""
from __future__ import annotations

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
