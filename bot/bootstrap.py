"""Start-up steps shared by the CLI commands: database, migrations, county."""
from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from bot.clock import Clock
from bot.county import load_county_file
from bot.county.sync import SyncReport, sync_county
from bot.storage.engine import Database
from bot.storage.migrate import upgrade_database
from bot.storage.roster_repo import county_version

log = logging.getLogger("dudao")


def demo_county_path() -> Path:
    return Path(str(resources.files("bot") / "data" / "demo-county.yaml"))


def demo_scenario_path() -> Path:
    return Path(str(resources.files("bot") / "data" / "scenarios" / "demo.jsonl"))


async def open_database(url: str) -> Database:
    db = Database(url)
    await upgrade_database(db)
    return db


async def load_county(db: Database, path: Path, clock: Clock) -> SyncReport:
    """Validate the whole file first (CountyError names file, line and field), then write it in one transaction."""
    data = load_county_file(path)
    async with db.transaction() as s:
        return await sync_county(s, data, source=str(path), now=clock.now())


async def has_county(db: Database) -> bool:
    async with db.reading() as s:
        return await county_version(s) is not None


async def ensure_county(db: Database, clock: Clock, county_file: Path | None) -> str:
    """Load `county_file` if given; else keep what is loaded; else load the shipped demo county. Says which."""
    if county_file:
        await load_county(db, county_file, clock)
        return f"county loaded from {county_file}"
    if await has_county(db):
        return "using the county already in the database"
    await load_county(db, demo_county_path(), clock)
    return "no county configured: loaded the demo county (城口县); set COUNTY_FILE or run `dudao county load FILE`"
