"""What every `dudao` command shares: the --db option, settings with overrides, logging, failing politely."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import typer

from bot.settings import Settings

DbOption = typer.Option(None, "--db", help="数据库地址（默认用 .env 里的 DATABASE_URL）")


def _settings(db: str | None = None, **overrides: object) -> Settings:
    settings = Settings()
    values = {k: v for k, v in {"database_url": db, **overrides}.items() if v is not None}
    return settings.model_copy(update=values) if values else settings


def kept_evidence_dir(settings: Settings) -> Path:
    """Where a replay into a kept database keeps its photos (and, beside them, its exports): EVIDENCE_DIR when set,
    else beside a SQLite database's file (<its folder>/evidence, as data/dudao.db has data/evidence), else the
    default evidence folder."""
    if "evidence_dir" in settings.model_fields_set:
        return settings.evidence_dir
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).parent / "evidence"
    return settings.evidence_dir


def _logging(level: str, settings: Settings | None = None) -> None:
    from bot.redaction import add_secret, protect_handlers

    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings is not None and settings.log_format == "json":
        from bot.cli.json_logs import JsonLines

        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    protect_handlers()  # the token is blanked in every line written, whoever wrote it
    if settings is not None:
        from sqlalchemy.engine import make_url

        add_secret(settings.wechaty_puppet_service_token)
        add_secret(settings.wecom_bot_secret)
        with contextlib.suppress(Exception):  # a malformed URL is said when the database is opened
            add_secret(make_url(settings.database_url).password)
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def answer(db: str | None, act: Callable[[Settings], Coroutine[Any, Any, str]]) -> None:
    """Run `act` with the settings (the database named by --db), print its line; BadInput exits 2, CliError 1."""
    from bot.cli.desk_actions import CliError
    from bot.cli.export_actions import BadInput

    settings = _settings(db)
    _logging("WARNING", settings)
    try:
        typer.echo(asyncio.run(act(settings)))
    except BadInput as err:
        _fail(str(err), code=2)
    except CliError as err:
        _fail(str(err))
