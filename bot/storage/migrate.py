"""Schema migrations through Alembic, usable from an installed package (`dudao db upgrade`, and on start)."""
from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.resources import migrations_dir
from bot.storage.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("dudao.storage")


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


async def upgrade_database(db: Database, revision: str = "head", *, in_child: bool = False) -> None:
    """Bring the schema up to `revision` in one transaction (a database already at the head is only looked at:
    Alembic, ~11 MB in memory, is not even imported). `in_child`: for a long-running process (`dudao run`,
    `dudao web`), the upgrade is done by a child process, so that Alembic with Mako and Pygments never enters its
    memory even on the first start; should the child fail, it is done here, which raises the real error."""
    if revision == "head" and await current_revision(db) == head_revision():
        return
    if in_child and await _upgrade_in_child(db.url, revision):
        return
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


_CHILD = """
import asyncio, os, sys
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database

async def main() -> None:
    db = Database(os.environ["DUDAO_MIGRATE_URL"])
    try:
        await upgrade_database(db, sys.argv[1])
    finally:
        await db.dispose()

asyncio.run(main())
"""


async def _upgrade_in_child(url: str, revision: str) -> bool:
    child = await asyncio.create_subprocess_exec(  # the URL in the environment: a password stays out of `ps`
        sys.executable, "-c", _CHILD, revision, env={**os.environ, "DUDAO_MIGRATE_URL": url},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await child.communicate()
    if child.returncode != 0:
        log.warning("migrating in a child process failed (%s); migrating here", err.decode(errors="replace")[-300:])
    return child.returncode == 0
