"""Schema migrations through Alembic, usable from an installed package (`dudao db upgrade`, and on start)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.resources import migrations_dir
from bot.storage.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config  # Alembic is imported only when there is something to migrate (memory)

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def head_revision() -> str:
    """The newest migration's id, read from the scripts (they form one line: the one no other one follows)."""
    revisions, parents = set(), set()
    for script in (migrations_dir() / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = re.search(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", source, re.M)
        parent = re.search(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", source, re.M)
        if found:
            revisions.add(found.group(1))
        if parent:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations do not form one line: heads {sorted(heads)}")
    return heads.pop()


async def current_revision(db: Database) -> str | None:
    async with db.engine.execution_options(dudao_read_only=True).connect() as conn:
        try:
            return await conn.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:  # noqa: BLE001 — no such table: a new database
            return None


async def upgrade_database(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` in one transaction (a database already at the head is only looked at:
    Alembic, ~11 MB in memory, is not even imported)."""
    if revision == "head" and await current_revision(db) == head_revision():
        return
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
