"""`dudao db copy SOURCE [--db TARGET] [--force]` (the work is bot/storage/db_copy.py; the words
templates/cli/db_copy.j2)."""
from __future__ import annotations

import asyncio

import typer

from bot.cli.options import DbOption, _fail, _logging, _settings
from bot.render import Renderer


def _say(what: str, **values: object) -> str:
    return Renderer().render("cli/db_copy.j2", what=what, **values)


def db_copy(source: str = typer.Argument(..., help="来源数据库地址，例如 sqlite+aiosqlite:///data/dudao.db"),
            db: str | None = DbOption,
            force: bool = typer.Option(False, "--force", help="目标数据库已有数据也复制（先清空目标）")) -> None:
    from bot.storage.db_copy import CopyError, _shown

    settings = _settings(db)
    _logging("WARNING", settings)
    try:
        copied = asyncio.run(_copy(source, settings.database_url, force))
    except CopyError as err:
        _fail(_say("error", kind=err.kind, values=err.values, which=err.values.get("which", "")))
    typer.echo(_say("copied", counts=copied.counts, total=sum(copied.counts.values()), seconds=f"{copied.seconds:.1f}",
                    source=_shown(source), target=_shown(settings.database_url)))


async def _copy(source_url: str, target_url: str, force: bool):  # noqa: ANN202 — a db_copy.Copied
    from bot.cli.bootstrap import open_database
    from bot.storage import instance
    from bot.storage.db_copy import CopyError, _shown, copy_database, same_database

    source = await open_database(source_url)
    target = await open_database(target_url)
    if same_database(source, target):
        await source.dispose()
        await target.dispose()
        raise CopyError("same", url=_shown(target_url))
    locks = []
    try:
        for db, which in ((source, "来源"), (target, "目标")):
            try:  # no bot may write to either while the rows move
                locks.append(await instance.acquire(db))
            except instance.AnotherInstance as err:
                raise CopyError("busy", holder=err.holder, which=which) from None
        return await copy_database(source, target, force=force)
    finally:
        for lock in locks:
            await lock.release()
        await source.dispose()
        await target.dispose()
