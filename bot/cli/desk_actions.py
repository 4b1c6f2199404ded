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


def listen_address(value: str, setting: str = "WEB_LISTEN") -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CliError(say("web_bad_listen", value=value, setting=setting))
    return host.strip("[]"), int(port)


def _server(settings: Settings, db, *, signals: bool = True,  # noqa: ANN001, ANN202 — a Database; a uvicorn.Server
            bot: Bot | None = None):
    from bot.cli.health_http import health_routes
    from bot.web.desk import create_app

    host, port = listen_address(settings.web_listen)
    health = bot.health if bot is not None else None
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 whatever WEB_TRUSTED_PROXIES says;
    # the desk reads the header itself, by that setting only (bot/web/throttle.py client_address)
    clock = bot.clock if bot is not None else SystemClock()
    desk = create_app(settings, db, clock, acts=desk_acts(settings, clock, db, bot),
                      routes=health_routes(health) if health is not None else ())
    print(say("web_listen", host=host, port=port), file=sys.stderr)
    return _uvicorn(desk, host, port, signals=signals)


def _uvicorn(app, host: str, port: int, *, signals: bool):  # noqa: ANN001, ANN202 — an ASGI app; a uvicorn.Server
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
    if not signals:
        check("desk-signals")  # an undocumented method of uvicorn's (bot/private_names.py): said if it is gone

    class Server(uvicorn.Server):
        def capture_signals(self):  # noqa: ANN202 — beside the bot, the bot's own handlers stop everything
            return super().capture_signals() if signals else contextlib.nullcontext()

    return Server(config)


async def serve_desk(settings: Settings) -> None:
    """Serve the desk until Ctrl+C (uvicorn handles the signals)."""
    listen_address(settings.web_listen)  # a bad address is said before the database is touched
    db = await open_database(settings.database_url, long_running=True)
    try:
        await _server(settings, db).serve()
    finally:
        await db.dispose()


async def with_servers(settings: Settings, db, bot: Bot, *, web: bool) -> None:  # noqa: ANN001 — a Database
    """`dudao run`: the bot, and beside it in one process the desk (`--web`: its actions through the bot's app,
    /healthz and /metrics among its routes) and the health endpoints on METRICS_LISTEN (when set, and not the
    desk's own address); when the bot stops, so do they."""
    servers = [_server(settings, db, signals=False, bot=bot)] if web else []
    if settings.metrics_listen and bot.health is not None and not (web and settings.metrics_listen ==
                                                                   settings.web_listen):
        from bot.cli.health_http import health_app

        host, port = listen_address(settings.metrics_listen, "METRICS_LISTEN")
        print(say("metrics_listen", host=host, port=port), file=sys.stderr)
        servers.append(_uvicorn(health_app(bot.health), host, port, signals=False))
    serving = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await bot.run()
    finally:
        for server in servers:
            server.should_exit = True
        for task in serving:
            await task
