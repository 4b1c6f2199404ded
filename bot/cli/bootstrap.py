"""The one place that wires the bot: database and migrations, the county, then `build` makes the app, the outbox
sender, the scheduler and hands them the transport. Every entry point (CLI, tests, benchmarks) starts here."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TypeVar

from bot.app import App
from bot.cli.db_problem import DatabaseUnavailable, kind_of
from bot.cli.health import Alerter, Health, watch
from bot.cli.say import say
from bot.clock import Clock, VirtualClock
from bot.county import load_county_file
from bot.county.sync import SyncReport, sync_county
from bot.domain.roster import Roster
from bot.intake import Intake
from bot.messages import Inbound, Outbound
from bot.outbox import OutboxSender, RateLimits
from bot.segmenter import load as load_segmenter
from bot.settings import Settings
from bot.spool import Spool
from bot.storage import backup, instance, retention
from bot.storage.engine import Database
from bot.storage.faults import outage
from bot.storage.migrate import upgrade_database
from bot.storage.roster_repo import NoCountyLoaded, county_version, load_roster
from bot.transports.contract import Transport
from reminders.scheduler import Scheduler
from reminders.timing import may_speak

log = logging.getLogger("dudao")
T = TypeVar("T")


def demo_county_path() -> Path:
    return Path(str(resources.files("bot") / "data" / "demo-county.yaml"))


def demo_scenario_path() -> Path:
    return Path(str(resources.files("bot") / "data" / "scenarios" / "demo.jsonl"))


async def open_database(url: str, *, long_running: bool = False) -> Database:
    """The database at `url`, its schema brought up to date; DatabaseUnavailable when it cannot be reached.
    `long_running` (a bot, the desk): a migration is done by a child process (see upgrade_database)."""
    try:
        db = Database(url)
    except Exception as error:
        if kind_of(error) is None:
            raise
        raise DatabaseUnavailable(url, _sqlite_file(url, kind_of(error))) from error
    try:
        await upgrade_database(db, in_child=long_running)
    except Exception as error:
        kind = kind_of(error) or kind_of(error.__cause__ or error)
        await db.dispose()
        if kind is None:
            raise
        raise DatabaseUnavailable(url, _sqlite_file(url, kind)) from error
    return db


async def connect_database(url: str) -> Database:
    """The database at `url` as it is — no migration (a restore's target) —; DatabaseUnavailable when it cannot be
    reached."""
    try:
        db = Database(url)
        if db.dialect != "sqlite":  # a SQLite file is not made before there is something to put in it
            async with db.engine.connect():
                pass
    except Exception as error:
        kind = kind_of(error) or kind_of(error.__cause__ or error)
        if kind is None:
            raise
        raise DatabaseUnavailable(url, _sqlite_file(url, kind)) from error
    return db


def _sqlite_file(url: str, kind: str | None) -> str:
    """On SQLite, a database that cannot be opened is a file that cannot be made or opened."""
    return "sqlite_file" if url.startswith("sqlite") and kind == "other" else kind or "other"

async def load_county(db: Database, path: Path, clock: Clock) -> SyncReport:
    """Validate the whole file first (CountyError names file, line and field), then write it in one transaction."""
    data = load_county_file(path)
    async with db.transaction() as s:
        return await sync_county(s, data, source=str(path), now=clock.now())


async def has_county(db: Database) -> bool:
    async with db.reading() as s:
        return await county_version(s) is not None


async def ensure_county(db: Database, clock: Clock, county_file: Path | None) -> str:
    """Load `county_file` if given (and say what changed); else keep what is loaded; else load the shipped demo
    county. Says which."""
    if county_file:
        from bot.cli.county_summary import county_summary

        return county_summary(await load_county(db, county_file, clock), county_file)
    if await has_county(db):
        return say("county_kept")
    await load_county(db, demo_county_path(), clock)
    return say("county_demo")


@dataclass
class Bot:
    """Everything wired: the app, the outbox sender, the scheduler and the transport. It is the transport's Inlet
    (the narrow door in: hand a message in, wake or drain the outbox, the last handled time, the roster)."""

    settings: Settings
    clock: Clock
    db: Database
    app: App
    outbox: OutboxSender
    scheduler: Scheduler
    transport: Transport
    intake: Intake
    _last_handled: datetime | None = None
    lock: instance.InstanceLock | None = None  # while run() runs: the database is this process's
    health: Health | None = None  # /healthz, /metrics (bot/cli/health.py)
    alerter: Alerter | None = None  # tells the office when the bot is unwell (None: ALERT_AFTER_MINUTES=0)

    async def handle(self, inbound: Inbound) -> bool:
        handled = await self.intake.handle(inbound)  # fenced (the lock lost): kept, like in a database outage
        if handled:
            self.outbox.wake()
            if self.health is not None:
                self.health.handled_messages()
        return handled

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        handled = await self.intake.handle_many(inbounds)
        if any(handled):
            self.outbox.wake()
            if self.health is not None:
                self.health.handled_messages(sum(handled))
        return handled

    async def sweep(self, now: datetime | None = None) -> int:
        started = time.monotonic()
        queued = await self._held(lambda: self.app.sweep(now), 0)
        if self.health is not None:
            self.health.swept(self.clock.now(), time.monotonic() - started)
        if queued:
            self.outbox.wake()
        await self._held(lambda: self.prune(now), None)
        return queued

    async def prune(self, now: datetime | None = None) -> retention.Pruned:
        """After each sweep: the bookkeeping of messages older than RETENTION_DAYS, in small batches within a time
        budget (bot/storage/retention.py); findings, events and photos are never pruned."""
        try:
            return await retention.prune(self.db, now or self.clock.now(), self.settings.retention_days)
        except instance.Fenced:
            raise
        except Exception:  # noqa: BLE001 — pruning is housekeeping: the next sweep tries again
            log.exception("pruning old message bookkeeping failed")
            return retention.Pruned(done=False)

    async def _scheduled_backups(self) -> None:
        """While the bot runs, with BACKUP_DIR set: a backup each day at BACKUP_AT (county time), then the retention
        rule and BACKUP_COMMAND (bot/storage/backup.py)."""
        while True:
            try:
                tz = (await self.app.current_roster()).tz
            except Exception:  # noqa: BLE001 — no county yet: the machine's zone
                tz = None
            now = self.clock.now().astimezone(tz)
            hour, minute = (int(part) for part in self.settings.backup_at.split(":"))
            due = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if due <= now:
                due += timedelta(days=1)
            await asyncio.sleep((due - now).total_seconds())
            try:
                await backup.scheduled(self.db, self.settings)
            except Exception:  # noqa: BLE001 — logged; `dudao doctor` says when the last good backup is too old
                log.exception("scheduled backup failed")

    async def _held(self, act: Callable[[], Awaitable[T]], not_here: T) -> T:
        """Run `act` (a sweep, the start's recovery) while this process holds the database. Fenced (the instance
        lock was lost): wait until the lock is taken again and run it then; if another instance holds the database
        now, it is not done here (`not_here`: this bot stops, the other does it)."""
        while True:
            try:
                return await act()
            except instance.Fenced:
                if self.lock is None or not await self.lock.regained():
                    return not_here

    def wake_outbox(self) -> None:
        self.outbox.wake()

    async def drain_outbox(self) -> int:
        return await self.outbox.drain()

    async def last_handled_at(self) -> datetime | None:
        """The newest message handled; while the database is away, the last one known (a reconnect's history
        floor must not fail with it)."""
        try:
            self._last_handled = await self.app.last_handled_at()
        except Exception as error:
            if outage(error) is None:
                raise
            log.warning("database unavailable (%s): the history floor is the last one known", outage(error))
        return self._last_handled

    async def roster(self) -> Roster:
        return await self.app.current_roster()

    async def card(self, card: str) -> Outbound | None:
        return await self.app.card(card)

    async def spoken_privately(self, chat_ids: list[str]) -> set[str]:
        return await self.app.spoken_privately(chat_ids)

    async def next_deferred(self) -> datetime | None:
        return await self.outbox.next_deferred()

    async def settle(self) -> None:
        await self.outbox.flush_marks()

    async def advance_to(self, at: datetime) -> None:
        """Virtual clock only: run whatever is scheduled up to `at`, each job at its own time, then move to `at`."""
        await self.scheduler.run_until(at)
        assert isinstance(self.clock, VirtualClock)  # see above: only a virtual clock is moved
        self.clock.advance_to(at)

    async def run(self) -> None:
        """Live: the outbox sender, the scheduler (catching up first) and the transport, until the transport stops
        (SIGINT/SIGTERM stop it). The instance lock: the one in `lock` already taken (a standby that took over,
        bot/storage/standby.py), else taken now (raises AnotherInstance: one bot per database)."""
        lock = self.lock = self.lock or await instance.acquire(self.db,
                                                               check_seconds=self.settings.lock_check_seconds)
        lock.watch(on_change=lambda: self._lock_changed(lock))  # checked while it runs; lost, nothing is written
        sender: asyncio.Task[None] | None = None
        intake: asyncio.Task[None] | None = None
        watching = asyncio.create_task(watch(self.health, self.alerter)) if self.health is not None else None
        backups: asyncio.Task[None] | None = None
        try:
            load_segmenter()  # jieba's dictionary (~0.5 s) before the first message, here: its memory is given back
            await self._held(self.outbox.recover, 0)
            self.intake.load()  # what waited in the spool at the stop goes first
            sender = asyncio.create_task(self.outbox.run())
            intake = asyncio.create_task(self.intake.run())
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, lambda: asyncio.ensure_future(self.transport.stop()))
            await self.scheduler.start()
            if self.settings.backup_dir is not None:
                backups = asyncio.create_task(self._scheduled_backups())
            if not lock.ended.is_set():
                await self.transport.run(self)
        finally:
            if watching is not None:
                watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watching
            if backups is not None:
                backups.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await backups
            if intake is not None:
                intake.cancel()  # what waits stays in the spool for the next start
                with contextlib.suppress(asyncio.CancelledError):
                    await intake
            await self.scheduler.shutdown()
            self.outbox.stop()
            if sender is not None:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):  # a paced backlog stays queued
                    await asyncio.wait_for(sender, timeout=5)
            if lock.held:
                try:
                    await self.outbox.close()  # marks written, what was handed over and not sent queued again
                except Exception:  # noqa: BLE001 — the rows stay 'sending' and go out again at the next start
                    log.exception("outbox: could not settle at stop")
            else:
                log.warning("outbox: not settled at stop (the instance lock is not held): what was handed over stays "
                            "'sending' and goes out again at the next start")
            await lock.release()
            self.lock = None
        if lock.ended.is_set():
            raise instance.TakenOver(lock.taken_by or "unknown", kept=self.intake.waiting,
                                     spool=str(self.intake.spool.path))

    def _lock_changed(self, lock: instance.InstanceLock) -> None:
        if lock.ended.is_set():  # another instance has the database: stop, as SIGTERM would
            asyncio.ensure_future(self.transport.stop())
        elif lock.held:  # taken again: what waited is handled and goes out
            self.outbox.wake()
            asyncio.ensure_future(self.intake.retry())


def pace(transport: Transport, settings: Settings) -> RateLimits:
    """The transport's limits, capped by the operator's overall per-minute setting."""
    per_minute = min(filter(None, (transport.limits.per_minute, settings.outbox_per_minute)), default=None)
    return replace(transport.limits, per_minute=per_minute)


def build(settings: Settings, clock: Clock, db: Database, transport: Transport, *, paced: bool = True,
          lazy_marks: bool = True) -> Bot:
    """Wire the bot: the app, the outbox sender pacing `transport` (unpaced for replay and tests), the scheduler.
    `lazy_marks`: what went out is marked sent in the next transaction or after a moment's idle (False: at the end
    of every drain, which tests that read the table right after a drain want)."""
    app = App(settings, clock, db)

    async def may_initiate(now: datetime) -> bool:
        try:
            return may_speak(now, await app.current_roster())
        except NoCountyLoaded:
            return True

    outbox = OutboxSender(db, transport, clock, app.renderer, limits=pace(transport, settings) if paced else None,
                          may_initiate=may_initiate, max_attempts=settings.outbox_max_attempts,
                          backoff=settings.outbox_backoff_seconds, lazy_marks=lazy_marks)
    scheduler = Scheduler(sweep=lambda now: bot.sweep(now), roster=app.current_roster, clock=clock,
                          drain=outbox.drain)

    async def recovered() -> None:
        await outbox.reclaim()
        outbox.wake()

    intake = Intake(app, Spool(settings.spool_path), app.renderer, tell=transport.send, recovered=recovered)
    bot = Bot(settings, clock, db, app, outbox, scheduler, transport, intake)
    bot.health = Health(settings, clock, db, transport)
    if settings.alert_after_minutes > 0:
        bot.alerter = Alerter(bot.health, app.renderer, app.current_roster)
    return bot


@dataclass
class DeskActs:
    """The desk's door to the chat app (bot.web.acts.Acts): a form on a finding's page is handled by `app` as its
    chat command would be; afterwards `after` runs (beside a bot, `dudao run --web`: the outbox sender is woken, so
    the notices go out at once; the desk alone, `dudao web`: None — the rows wait for a running bot's sender)."""

    app: App
    after: Callable[[], None] | None = None

    async def act(self, inbound: Inbound) -> list[str] | None:
        said = await self.app.act(inbound)
        if said is not None and self.after is not None:
            self.after()
        return said


def desk_acts(settings: Settings, clock: Clock, db: Database, bot: Bot | None = None) -> DeskActs:
    """The desk's actions: through the running bot's app (one lock, one transaction at a time in this process) when
    the desk runs beside it, else through an app of the desk's own."""
    if bot is not None:
        return DeskActs(bot.app, bot.outbox.wake)
    return DeskActs(App(settings, clock, db))


async def read_roster(db: Database) -> Roster:
    """The roster snapshot now (e.g. its time zone, before a transport is made)."""
    async with db.reading() as s:
        return await load_roster(s)
