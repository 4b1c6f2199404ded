"""What the CLI commands do, as async functions (the CLI module only parses arguments)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.engine import make_url

from bot.cli.bootstrap import (
    build,
    demo_county_path,
    demo_scenario_path,
    ensure_county,
    load_county,
    open_database,
    read_roster,
)
from bot.cli.county_summary import county_summary
from bot.cli.desk_actions import CliError, listen_address, with_servers
from bot.cli.say import say
from bot.clock import SystemClock, VirtualClock
from bot.render import Renderer
from bot.segmenter import load as load_segmenter
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.instance import AnotherInstance, InstanceLock, TakenOver, acquire
from bot.storage.roster_repo import county_version
from bot.storage.standby import POLL_SECONDS, stand_by
from bot.transports.console import ConsoleTransport
from bot.transports.demo import DemoTransport
from bot.transports.replay import Operator, ReplayTransport, play, read_scenario

log = logging.getLogger("dudao")
SHOWN_TZ = ZoneInfo("Asia/Shanghai")  # times for the operator (before a county is read)
HUNG_CHECKS = 20  # a bot that has not confirmed its lock for this many of its check intervals (60 s by default) is hung


async def county_load(settings: Settings, path: Path) -> None:
    from bot.county import load_county_file

    load_county_file(path)  # validate before touching the database
    db = await open_database(settings.database_url)
    try:
        report = await load_county(db, path, SystemClock())
    finally:
        await db.dispose()
    print(county_summary(report, path))


async def db_upgrade(settings: Settings) -> None:
    db = await open_database(settings.database_url)
    await db.dispose()


async def invite(settings: Settings, who: str) -> None:
    from datetime import timedelta

    from handlers.binding import create_invite

    db = await open_database(settings.database_url)
    clock = SystemClock()
    try:
        async with db.transaction() as s:
            people = list(await s.scalars(select(m.Person).where(
                m.Person.active, or_(m.Person.key == who, m.Person.name == who, m.Person.chat_id == who))))
            if len(people) != 1:
                loaded = await county_version(s) is not None
                print(say("invite_who", who=who, matches=people, command="invite") if loaded else say("no_county"),
                      file=sys.stderr)
                raise SystemExit(1)
            code = await create_invite(s, people[0], now=clock.now(), ttl=timedelta(hours=settings.invite_ttl_hours))
    finally:
        await db.dispose()
    person = people[0]
    print(say("invite", name=person.name, role=person.role, key=person.key, code=code.code,
              hours=settings.invite_ttl_hours))


def _transport(settings: Settings, force_console: bool):
    if settings.wecom_configured and not force_console:
        from bot.transports.wecom import WecomConfigError, WecomTransport

        try:
            transport = WecomTransport(settings)
        except WecomConfigError as error:
            print(say("wecom_config", error=error), file=sys.stderr)
            raise SystemExit(2) from None
        print(say("transport", name=transport.describe()), file=sys.stderr)
        return transport
    if settings.wechaty_configured and not force_console:
        from bot.transports.wechaty import WechatyTransport

        print(say("transport", name=f"Wechaty puppet service {settings.wechaty_puppet_service_endpoint}"),
              file=sys.stderr)
        return WechatyTransport(settings)
    if not force_console:
        print(say("console"), file=sys.stderr)
    return ConsoleTransport()


async def run(settings: Settings, *, force_console: bool = False, web: bool = False, wait: bool = True) -> None:
    """`dudao run`: the database's instance lock first — held by another instance, this one stands by until it is
    free (`wait`; else it exits) — then the county, the transport (the chat connection), the sender and the sweep."""
    if web:
        listen_address(settings.web_listen)
    if settings.metrics_listen:
        listen_address(settings.metrics_listen, "METRICS_LISTEN")  # said before the database is touched
    db = await open_database(settings.database_url, long_running=True)
    clock = SystemClock()
    bot_lock: InstanceLock | None = None
    try:
        bot_lock = await _instance_lock(settings, db, wait=wait)
        print(await ensure_county(db, clock, settings.county_file), file=sys.stderr)
        bot = build(settings, clock, db, _transport(settings, force_console))
        bot.lock = bot_lock
        await with_servers(settings, db, bot, web=web)
    except TakenOver as err:
        print(Renderer().render("cli/taken_over.j2", holder=err.holder, url=safe_url(settings.database_url),
                                kept=err.kept, spool=err.spool), file=sys.stderr)
        raise SystemExit(1) from None
    except AnotherInstance as err:
        print(Renderer().render("cli/another_instance.j2", holder=err.holder, url=safe_url(settings.database_url)),
              file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        if bot_lock is not None and bot_lock.held:  # taken, and the bot never ran (it lets go itself)
            await bot_lock.release()
        await db.dispose()


async def _instance_lock(settings: Settings, db: Database, *, wait: bool) -> InstanceLock:
    """The database for this process: at once, or (`wait`) after standing by until its holder is gone."""
    if not wait:
        return await acquire(db, check_seconds=settings.lock_check_seconds)
    url = safe_url(settings.database_url)
    sqlite = db.dialect != "postgresql"
    stood: list[AnotherInstance] = []

    def waiting(other: AnotherInstance) -> None:
        print(Renderer().render("cli/standby.j2", holder=other.holder, since=other.since, url=url, sqlite=sqlite,
                                tz=SHOWN_TZ), file=sys.stderr, flush=True)
        if not stood:
            load_segmenter()  # jieba's dictionary (~0.5 s) now, not in the takeover
        stood.append(other)

    def hung(other: AnotherInstance) -> None:
        print(Renderer().render("cli/hung_holder.j2", holder=other.holder, seconds=round(other.silent_for or 0),
                                sqlite=sqlite), file=sys.stderr, flush=True)

    standing = asyncio.ensure_future(stand_by(
        db, check_seconds=settings.lock_check_seconds, poll=min(POLL_SECONDS, settings.lock_check_seconds),
        waiting=waiting, hung_checks=HUNG_CHECKS, hung=hung))
    # SIGTERM or Ctrl+C while it stands by: it stops there, quietly (status 0), its standby mark taken away
    loop, signals = asyncio.get_running_loop(), (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, standing.cancel)
    try:
        lock = await standing
    except asyncio.CancelledError:
        if not stood or (task := asyncio.current_task()) is not None and task.cancelling():
            raise
        print(say("standby_stopped"), file=sys.stderr)
        raise SystemExit(0) from None
    finally:
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if stood:  # it stood by: what its pool holds may be hours old
        await db.engine.dispose()
        print(Renderer().render("cli/took_over.j2", url=url), file=sys.stderr, flush=True)
    return lock


async def replay(settings: Settings, scenario: Path, county: Path) -> None:
    steps = read_scenario(scenario)
    db = await open_database(settings.database_url)
    clock = VirtualClock(steps[0].at)

    async def operator(step: Operator, at: datetime) -> str:
        """An operator's command of the scenario, on the same database at the scenario's time: what it printed."""
        from bot.cli.import_actions import load_findings  # the only one so far (replay.OPERATOR_COMMANDS)

        try:
            return await load_findings(db, step.file.read_bytes(), step.file, step.options.get("by"),
                                       step.options.get("source"), at)
        except CliError as err:
            return str(err)

    try:
        await load_county(db, county, clock)
        transport = ReplayTransport(clock, sys.stdout, (await read_roster(db)).tz)
        await play(build(settings, clock, db, transport, paced=False), transport, steps, operator)
    finally:
        await db.dispose()


async def demo() -> None:
    steps = read_scenario(demo_scenario_path())
    with tempfile.TemporaryDirectory(prefix="dudao-demo-") as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp}/demo.db", evidence_dir=Path(tmp) / "evidence")
        db = await open_database(settings.database_url)
        clock = VirtualClock(steps[0].at)
        try:
            await load_county(db, demo_county_path(), clock)
            transport = DemoTransport(clock, sys.stdout, await read_roster(db))
            await play(build(settings, clock, db, transport, paced=False), transport, steps)
        finally:
            await db.dispose()


def safe_url(url: str) -> str:
    """The database URL without its password, for the operator's eyes."""
    return make_url(url).render_as_string(hide_password=True)


async def status(settings: Settings) -> tuple[int, str]:
    """`dudao status`: which instance holds the database, since when, and which stand by (0: one is active)."""
    from bot.cli.db_problem import DatabaseUnavailable, kind_of
    from bot.storage.standby import instances

    try:
        db = Database(settings.database_url)
    except Exception as error:
        if kind_of(error) is None:
            raise
        raise DatabaseUnavailable(settings.database_url, kind_of(error) or "other") from error
    try:
        seen = await instances(db)
        last, waiting = await _activity(db)
    except Exception as error:
        if kind_of(error) is None:
            raise
        raise DatabaseUnavailable(settings.database_url, kind_of(error) or "other") from error
    finally:
        await db.dispose()
    shown = Renderer().render("cli/status.j2", url=safe_url(settings.database_url), active=seen.active,
                              standbys=seen.standbys, sqlite=db.dialect != "postgresql", tz=SHOWN_TZ,
                              last=last, waiting=waiting)
    return (0 if seen.active is not None else 1), shown


async def _activity(db: Database) -> tuple[datetime | None, int | None]:
    """The newest message handled and the replies and reminders waiting to go out (None, None: no bot's tables in
    this database yet)."""
    from sqlalchemy import func
    from sqlalchemy.exc import DBAPIError

    from bot.outbox.status import PENDING, SENDING
    from bot.storage.instance import lock_path

    if (lock := lock_path(db)) is not None and not lock.with_name(lock.name.removesuffix(".lock")).exists():
        return None, None  # no SQLite file: not made by asking
    try:
        async with db.reading() as s:
            last = await s.scalar(select(func.max(m.HandledMessage.at)))
            waiting = await s.scalar(select(func.count()).select_from(m.OutboxMessage).where(
                m.OutboxMessage.status.in_([PENDING, SENDING])))
    except DBAPIError as error:
        if "handled_messages" not in str(error) and "outbox" not in str(error):
            raise
        return None, None
    return last, waiting
