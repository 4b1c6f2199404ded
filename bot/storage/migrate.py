"""Schema migrations through Alembic, usable from an installed package (`dudao db upgrade`, and on start)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.resources import migrations_dir
from bot.storage.engine import Database


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade_database(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` in one transaction."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
