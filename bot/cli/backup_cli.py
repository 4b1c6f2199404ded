"""`dudao backup OUT` and `dudao restore ARCHIVE` (the work is bot/storage/backup.py; the words templates/cli/
backup.j2)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from bot.cli.options import DbOption, _fail, _logging, _settings
from bot.render import Renderer
from bot.settings import Settings


def _say(what: str, **values: object) -> str:
    return Renderer().render("cli/backup.j2", what=what, **values)


def backup(out: Path, db: str | None = DbOption) -> None:
    from bot.storage.backup import BackupError

    settings = _settings(db)
    _logging("WARNING", settings)
    try:
        written = asyncio.run(_backup(settings, out))
    except BackupError as err:
        _fail(_say("error", kind=err.kind, values=err.values))
    typer.echo(_say("written", path=written.path, size_mb=f"{written.size / 1e6:.1f}", seconds=f"{written.seconds:.1f}",
                    counts=written.counts, photos=written.photos, missing=written.missing,
                    county=written.county))


async def _backup(settings: Settings, out: Path):  # noqa: ANN202 — a backup.Written
    from bot.cli.bootstrap import open_database
    from bot.storage import backup as b

    database = await open_database(settings.database_url)
    try:
        return await b.backup(database, settings, out)
    finally:
        await database.dispose()


def restore(archive: Path, db: str | None = DbOption,
            evidence_dir: Path | None = typer.Option(None, "--evidence-dir",
                                                     help="照片放回的文件夹（默认 EVIDENCE_DIR）"),
            force: bool = typer.Option(False, "--force", help="目标数据库或照片文件夹不是空的也恢复（会覆盖现有数据）")
            ) -> None:
    from bot.storage.backup import BackupError

    settings = _settings(db, evidence_dir=evidence_dir)
    _logging("WARNING", settings)
    try:
        restored = asyncio.run(_restore(settings, archive, force))
    except BackupError as err:
        _fail(_say("error", kind=err.kind, values=err.values))
    typer.echo(_say("restored", counts=restored.counts, photos=restored.photos, upgraded=restored.upgraded_from,
                    county=restored.county_file, notes=restored.notes))


async def _restore(settings: Settings, archive: Path, force: bool):  # noqa: ANN202 — a backup.Restored
    from bot.cli.bootstrap import connect_database
    from bot.storage import backup as b
    from bot.storage import instance

    database = await connect_database(settings.database_url)
    try:
        try:
            lock = await instance.acquire(database)  # no bot may run on the target while it is replaced
        except instance.AnotherInstance as err:
            raise b.BackupError("busy", holder=err.holder) from None
        try:
            return await b.restore(database, settings, archive, force=force)
        finally:
            await lock.release()
    finally:
        await database.dispose()
