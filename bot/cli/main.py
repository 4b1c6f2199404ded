"""The `dudao` command line: county, db, invite, user, console, run, web, export, doctor, demo, replay."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer

from bot.cli.desk_cli import user_app, web
from bot.cli.export_cli import export_app
from bot.cli.options import DbOption, _fail, _logging, _settings
from bot.cli.say import say

app = typer.Typer(help="督导助手 (dudao): the supervision bot.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
county_app = typer.Typer(help="Load and check the county file (roster, rooms, policy).", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(county_app, name="county")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(export_app, name="export")
app.command()(web)


@county_app.command("load")
def county_load(file: Path, db: str | None = DbOption) -> None:
    """Load (or reload) a county from YAML or .xlsx; bad input changes nothing."""
    from bot.cli import actions

    _fail_on_county_error(lambda: asyncio.run(actions.county_load(_settings(db), file)))


@county_app.command("check")
def county_check(file: Path) -> None:
    """Validate a county file without touching the database."""
    from bot.county import load_county_file

    data = _fail_on_county_error(lambda: load_county_file(file))
    typer.echo(say("county_ok", file=file, county=data.county, districts=len(data.districts),
                   schools=len(data.schools), people=len(data.people), rooms=len(data.rooms)))


@county_app.command("template")
def county_template(out: Path, source: Path | None = typer.Option(None, help="county YAML to convert")) -> None:
    """Write an .xlsx roster workbook (sheets 学校, 人员, 群) — the demo county unless --source is given."""
    from bot.cli.bootstrap import demo_county_path
    from bot.county import load_county_file, write_county_xlsx

    data = _fail_on_county_error(lambda: load_county_file(source or demo_county_path()))
    write_county_xlsx(data, out)
    typer.echo(say("template_written", out=out))


def _fail_on_county_error(fn):
    from bot.county import CountyError

    try:
        return fn()
    except CountyError as err:
        _fail(str(err))


@db_app.command("upgrade")
def db_upgrade(db: str | None = DbOption) -> None:
    """Apply database migrations (the bot also does this on start)."""
    from bot.cli import actions

    asyncio.run(actions.db_upgrade(_settings(db)))
    typer.echo(say("db_ok"))


@app.command()
def invite(person: str, db: str | None = DbOption) -> None:
    """Make a one-time binding code for PERSON (roster id, name or chat id)."""
    from bot.cli import actions

    asyncio.run(actions.invite(_settings(db), person))


@app.command()
def console(db: str | None = DbOption, county: Path | None = typer.Option(None, help="county file to load")) -> None:
    """Chat with the bot in the terminal, as any person in any room."""
    from bot.cli import actions

    settings = _settings(db, county_file=county)
    _logging("WARNING", settings)
    _fail_on_county_error(lambda: asyncio.run(actions.run(settings, force_console=True)))


@app.command()
def run(db: str | None = DbOption,
        web: bool = typer.Option(False, "--web", help="serve the web desk too, in the same process")) -> None:
    """Run the bot: WeCom when WECOM_BOT_ID is set, Wechaty when a puppet service is configured, else the console."""
    from bot.cli import actions
    from bot.cli.desk_actions import CliError

    settings = _settings(db)
    _logging(settings.log_level, settings)
    try:
        _fail_on_county_error(lambda: asyncio.run(actions.run(settings, web=web)))
    except CliError as err:
        _fail(str(err))


@app.command()
def doctor(wait: float = typer.Option(5.0, help="seconds to wait for the gateway's login or QR code"),
           db: str | None = DbOption) -> None:
    """Check the county, the gateway and the login; say in Chinese what is wrong and what to do (exit 1 if the bot
    could not work)."""
    from bot.cli.doctor import doctor as check

    settings = _settings(db)
    _logging("ERROR", settings)
    code, text = asyncio.run(check(settings, wait=wait))
    typer.echo(text)
    raise typer.Exit(code)


@app.command()
def demo() -> None:
    """Play the shipped demo scenario (the whole closed loop) on the demo county and print the conversation."""
    from bot.cli import actions

    _logging("WARNING")
    asyncio.run(actions.demo())


@app.command()
def replay(scenario: Path, county: Path = typer.Option(..., "--county", help="county file"),
           db: str | None = DbOption) -> None:
    """Replay a JSONL scenario on a virtual clock; print what the bot sends as JSONL."""
    from bot.cli import actions
    from bot.transports.replay import ScenarioError

    _logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="dudao-replay-") as tmp:
        settings = _settings(db or f"sqlite+aiosqlite:///{tmp}/replay.db", evidence_dir=Path(tmp) / "evidence")
        try:
            _fail_on_county_error(lambda: asyncio.run(actions.replay(settings, scenario, county)))
        except ScenarioError as err:
            _fail(f"{scenario}: {err}", code=2)


def main() -> None:
    app()
