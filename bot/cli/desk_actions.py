"""What `dudao user …` and `dudao web` do: desk accounts and serving the desk (uvicorn)."""
from __future__ import annotations

import asyncio
import contextlib
import sys

from bot.cli.bootstrap import Bot, desk_acts, open_database
from bot.cli.say import say
from bot.clock import SystemClock
from bot.private_names import check
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.roster_repo import county_version
from bot.storage.session import Session
from bot.web import accounts, audit

CLI_ACTOR = "dudao user"  # who changed an account from the command line, in the audit log


class CliError(Exception):
    """A message for the operator; the command exits non-zero."""


async def _person(session: Session, who: str, command: str) -> m.Person:
    people = await accounts.find_person(session, who)
    if len(people) != 1:
        if await county_version(session) is None:
            raise CliError(say("no_county"))
        raise CliError(say("user_who", who=who, matches=people, command=command))
    return people[0]


async def user_set(settings: Settings, who: str, password: str | None, *, new: bool) -> str:
    """`user add` (new=True) and `user passwd`: set the password given, or generate one and show it once."""
    secret = password or accounts.generate_password()
    shown = None if password else secret
    db = await open_database(settings.database_url)
    try:
        async with db.transaction() as s:
            person = await _person(s, who, "user add" if new else "user passwd")
            existing = await accounts.account_of(s, person)
            if new and existing is not None and existing.active:
                raise CliError(say("user_exists", name=person.name, username=existing.username))
            if not new and existing is None:
                raise CliError(say("user_none", name=person.name))
            now = SystemClock().now()
            account = await accounts.set_password(s, person, secret, now)
            if existing is not None:  # a new password: the account's sessions ended (accounts.set_password)
                await audit.record(s, audit.PASSWORD_SET, CLI_ACTOR, account.username, at=now)
            values = dict(name=person.name, role=person.role, username=account.username, password=shown)
    finally:
        await db.dispose()
    return say("user_added" if new else "user_passwd", **values)


async def user_disable(settings: Settings, who: str) -> str:
    db = await open_database(settings.database_url)
    try:
        async with db.transaction() as s:
            person = await _person(s, who, "user disable")
            now = SystemClock().now()
            if not await accounts.disable(s, person, now):
                raise CliError(say("user_none", name=person.name))
            account = await accounts.account_of(s, person)
            await audit.record(s, audit.ACCOUNT_DISABLED, CLI_ACTOR, account.username if account else person.key,
                               at=now)
    finally:
        await db.dispose()
    return say("user_disabled", name=person.name)


def listen_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CliError(say("web_bad_listen", value=value))
    return host.strip("[]"), int(port)


def _server(settings: Settings, db, *, signals: bool = True,  # noqa: ANN001, ANN202 — a Database; a uvicorn.Server
            bot: Bot | None = None):
    import uvicorn

    from bot.web.desk import create_app

    host, port = listen_address(settings.web_listen)
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 whatever WEB_TRUSTED_PROXIES says;
    # the desk reads the header itself, by that setting only (bot/web/throttle.py client_address)
    clock = bot.clock if bot is not None else SystemClock()
    desk = create_app(settings, db, clock, acts=desk_acts(settings, clock, db, bot))
    config = uvicorn.Config(desk, host=host, port=port, log_level="warning",
                            proxy_headers=False, server_header=False)

    if not signals:
        check("desk-signals")  # an undocumented method of uvicorn's (bot/private_names.py): said if it is gone

    class Server(uvicorn.Server):
        def capture_signals(self):  # noqa: ANN202 — beside the bot, the bot's own handlers stop everything
            return super().capture_signals() if signals else contextlib.nullcontext()

    print(say("web_listen", host=host, port=port), file=sys.stderr)
    return Server(config)


async def serve_desk(settings: Settings) -> None:
    """Serve the desk until Ctrl+C (uvicorn handles the signals)."""
    listen_address(settings.web_listen)  # a bad address is said before the database is touched
    db = await open_database(settings.database_url, long_running=True)
    try:
        await _server(settings, db).serve()
    finally:
        await db.dispose()


async def with_desk(settings: Settings, db, bot: Bot) -> None:  # noqa: ANN001 — a Database
    """`dudao run --web`: the desk beside the bot in one process (its actions through the bot's app); when the bot
    stops, so does the desk."""
    server = _server(settings, db, signals=False, bot=bot)
    serving = asyncio.create_task(server.serve())
    try:
        await bot.run()
    finally:
        server.should_exit = True
        await serving
