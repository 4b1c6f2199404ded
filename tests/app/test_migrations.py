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
