"""Health a monitor can read, and a person told when it is lost (issue #28 item 4).

`Health` holds a registry of causes — each a name, an async check that says what is wrong (or None) and whether it
makes `/healthz` answer 503 — and the figures `/metrics` shows (Prometheus text format, prometheus_client). The
built-in causes: `database` (a `SELECT 1` within DB_PROBE_SECONDS), `chat` (the transport's connection down or
reconnecting for longer than CHAT_GRACE), `replies` (a reply to a message waiting longer than
ALERT_REPLIES_WAITING_MINUTES). Another part adds its own with `Health.register(Cause(...))` — e.g. the backups'
`backup` cause (the last good backup older than BACKUP_MAX_AGE_HOURS): its text is a branch of
templates/health/alert.j2 and recovered.j2, keyed by the cause's name, with the values its check returns.

`Alerter` tells a person (a county has no monitoring team): a cause unhealthy for ALERT_AFTER_MINUTES gets one
short message (templates/health/alert.j2) in the office room — else privately to the roster's office people
(督导室) — and one more when it is well again (recovered.j2); never more than one alert an hour per cause (and its
one recovery). The messages go straight to the transport, not through the outbox: they speak of the database and
the outbox failing. While the chat connection itself is down they go by a path that still works — the office
room's group robot webhook (WeCom, a room with a `webhook_key`) — else, on reconnection, one message saying how
long the bot was away (back.j2)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import case, func, select, text

from bot.clock import Clock
from bot.domain.roster import Roster
from bot.messages import Outbound
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import backup
from bot.storage import models as m
from bot.storage.engine import Database
from bot.transports.contract import Transport
from bot.web import audit

log = logging.getLogger("dudao.health")

DB_PROBE_SECONDS = 5.0  # the database answers `SELECT 1` within this, or it is failing
CHAT_GRACE = timedelta(minutes=1)  # reconnecting for less than this is still healthy
ALERT_REPEAT = timedelta(hours=1)  # never more than one alert an hour per cause
WATCH_SECONDS = 1.0  # how often the connection is looked at (reconnects, how long it has been down)
ALERT_CHECK_SECONDS = 30.0  # how often the causes are checked for the alerts
WAITING = ("pending", "sending")


@dataclass(frozen=True)
class Problem:
    """What a cause found wrong: `reason` a short English line for /healthz, `values` for the alert's template."""

    reason: str
    values: dict[str, Any] = field(default_factory=dict)


Check = Callable[[datetime], Awaitable[Problem | None]]


@dataclass(frozen=True)
class Cause:
    """One way the bot can be unwell. `critical`: /healthz answers 503 while it is found (otherwise it is only
    named in the body and alerted)."""

    name: str
    check: Check
    critical: bool = False


@dataclass(frozen=True)
class Report:
    ok: bool
    problems: dict[str, Problem]
    critical: frozenset[str]

    def body(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "unhealthy",
                "problems": {name: p.reason for name, p in self.problems.items()},
                **({"failing": sorted(self.critical)} if self.critical else {})}


class Health:
    """The causes, the connection's history and the figures of one running bot."""

    def __init__(self, settings: Settings, clock: Clock, db: Database, transport: Transport) -> None:
        self.settings, self.clock, self.db, self.transport = settings, clock, db, transport
        self.causes: dict[str, Cause] = {}
        self.started = clock.now()
        self.chat_grace = CHAT_GRACE
        self.down_since: datetime | None = clock.now()  # not connected yet: connecting since the start
        self._was_connected = False
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.handled = Counter("dudao_messages_handled", "Messages handled (each once; redeliveries not counted)",
                               registry=r)
        self.reconnects = Counter("dudao_chat_reconnects", "Times the chat connection came back after a loss",
                                  registry=r)
        self.sweeps = Counter("dudao_sweeps", "Sweeps run", registry=r)
        self.sweep_at = Gauge("dudao_last_sweep_timestamp_seconds", "When the last sweep ended (Unix time)",
                              registry=r)
        self.sweep_seconds = Gauge("dudao_last_sweep_duration_seconds", "How long the last sweep took", registry=r)
        self.database_up = Gauge("dudao_database_up", "1 when the database answers", registry=r)
        self.chat_up = Gauge("dudao_chat_connected", "1 when the chat connection is up", registry=r)
        self.healthy = Gauge("dudao_healthy", "1 when /healthz answers 200", registry=r)
        self.pending = Gauge("dudao_outbox_pending", "Messages waiting to be sent", ["kind"], registry=r)
        self.oldest = Gauge("dudao_replies_oldest_pending_seconds", "Age of the oldest reply waiting to be sent",
                            registry=r)
        self.dead = Gauge("dudao_outbox_dead", "Messages given up after the last attempt (dead letters)", registry=r)
        self.logins = Gauge("dudao_desk_logins_24h", "Desk logins in the last 24 hours", ["outcome"], registry=r)
        self.problem = Gauge("dudao_problem", "1 while a cause of ill health is found", ["cause"], registry=r)
        for cause in (Cause("database", self._database, critical=True), Cause("chat", self._chat, critical=True),
                      Cause("replies", self._replies)):
            self.register(cause)
        if settings.backup_dir is not None:  # scheduled backups are on: a stale one is a cause (not critical)
            self.register(Cause("backup", self._backup))

    def register(self, cause: Cause) -> None:
        """Add a cause (e.g. the backups' `backup`); its name keys the alert templates' branches."""
        self.causes[cause.name] = cause

    # what the bot tells it ---------------------------------------------------------------
    def handled_messages(self, count: int = 1) -> None:
        self.handled.inc(count)

    def swept(self, ended: datetime, seconds: float) -> None:
        self.sweeps.inc()
        self.sweep_at.set(ended.timestamp())
        self.sweep_seconds.set(seconds)

    def observe(self) -> None:
        """Look at the connection: when it went down, whether it came back (a reconnect)."""
        if self.transport.connected:
            if self.down_since is not None and self._was_connected:
                self.reconnects.inc()
            self.down_since, self._was_connected = None, True
        elif self.down_since is None:
            self.down_since = self.clock.now()

    # the causes ---------------------------------------------------------------------------
    async def _database(self, now: datetime) -> Problem | None:
        try:
            await asyncio.wait_for(self._probe(), DB_PROBE_SECONDS)
        except Exception as error:  # noqa: BLE001 — whatever it is, the database does not answer
            return Problem(f"database does not answer: {type(error).__name__}",
                           {"error": type(error).__name__})
        return None

    async def _probe(self) -> None:
        async with self.db.reading() as s:
            await s.execute(text("SELECT 1"))

    async def _chat(self, now: datetime) -> Problem | None:
        self.observe()
        if self.down_since is None or now - self.down_since < self.chat_grace:
            return None
        return Problem(f"chat connection ({self.transport.name}) down since {self.down_since.isoformat()}",
                       {"since": self.down_since, "minutes": _minutes(now - self.down_since)})

    async def _replies(self, now: datetime) -> Problem | None:
        if not self.transport.connected:
            return None  # the chat cause says why
        async with self.db.reading() as s:
            oldest = await s.scalar(select(func.min(m.OutboxMessage.created_at)).where(
                m.OutboxMessage.status.in_(WAITING), m.OutboxMessage.in_reply_to.is_not(None)))
        if oldest is None:
            return None
        age = now - _aware(oldest)
        if age < timedelta(minutes=self.settings.alert_replies_waiting_minutes):
            return None
        return Problem(f"a reply has waited {int(age.total_seconds())} s", {"minutes": _minutes(age)})

    async def _backup(self, now: datetime) -> Problem | None:
        """The last good backup (bot/storage/backup.py) older than BACKUP_MAX_AGE_HOURS — or none yet while the bot
        has run that long (a new installation waits for its first scheduled one)."""
        async with self.db.reading() as s:
            last = await backup.last_good_backup(s)
        if not backup.backup_stale(last or self.started, now, self.settings.backup_max_age_hours):
            return None
        since = "never" if last is None else last.isoformat()
        return Problem(f"no good backup within {self.settings.backup_max_age_hours:g} h (last: {since})",
                       {"hours": f"{self.settings.backup_max_age_hours:g}", "minutes": 0})

    async def report(self) -> Report:
        """Every cause checked now; a cause whose check fails is left out when the database is down (that is the
        cause), otherwise named."""
        now = self.clock.now()
        problems: dict[str, Problem] = {}
        for cause in list(self.causes.values()):
            try:
                found = await cause.check(now)
            except Exception as error:  # noqa: BLE001 — a check that cannot tell
                if "database" in problems:
                    continue
                log.warning("health: the %s check failed: %s", cause.name, type(error).__name__)
                found = Problem(f"{cause.name} check failed: {type(error).__name__}")
            if found is not None:
                problems[cause.name] = found
        critical = frozenset(n for n in problems if self.causes[n].critical)
        self.database_up.set(0 if "database" in problems else 1)
        self.chat_up.set(1 if self.transport.connected else 0)
        self.healthy.set(0 if critical else 1)
        for name in self.causes:
            self.problem.labels(cause=name).set(1 if name in problems else 0)
        return Report(not critical, problems, critical)

    async def metrics(self) -> bytes:
        """The Prometheus text: the figures read from the database now (left as they were when it is down)."""
        report = await self.report()
        if "database" not in report.problems:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._read_figures(), DB_PROBE_SECONDS)
        return generate_latest(self.registry)

    async def _read_figures(self) -> None:
        now = self.clock.now()
        kind = case((m.OutboxMessage.in_reply_to.is_(None), "notice"), else_="reply")
        async with self.db.reading() as s:
            waiting = {str(k): int(n) for k, n in (await s.execute(select(kind, func.count()).where(
                m.OutboxMessage.status.in_(WAITING)).group_by(kind))).all()}
            oldest = await s.scalar(select(func.min(m.OutboxMessage.created_at)).where(
                m.OutboxMessage.status.in_(WAITING), m.OutboxMessage.in_reply_to.is_not(None)))
            dead = await s.scalar(select(func.count()).where(m.OutboxMessage.status == "dead"))
            logins = {str(k): int(n) for k, n in (await s.execute(select(m.AuditEntry.kind, func.count()).where(
                m.AuditEntry.kind.in_((audit.LOGIN, audit.LOGIN_FAILED, audit.LOGIN_THROTTLED)),
                m.AuditEntry.at >= now - timedelta(hours=24)).group_by(m.AuditEntry.kind))).all()}
        for name in ("reply", "notice"):
            self.pending.labels(kind=name).set(waiting.get(name, 0))
        self.oldest.set(max(0.0, (now - _aware(oldest)).total_seconds()) if oldest is not None else 0)
        self.dead.set(dead or 0)
        for outcome, kinds in (("ok", audit.LOGIN), ("failed", audit.LOGIN_FAILED),
                               ("throttled", audit.LOGIN_THROTTLED)):
            self.logins.labels(outcome=outcome).set(logins.get(kinds, 0))


class Alerter:
    """Tells the office when the bot has been unwell for ALERT_AFTER_MINUTES, and when it is well again."""

    def __init__(self, health: Health, renderer: Renderer, roster: Callable[[], Awaitable[Roster]]) -> None:
        self.health, self.renderer, self._roster = health, renderer, roster
        self.after = timedelta(minutes=health.settings.alert_after_minutes)
        self.bad_since: dict[str, datetime] = {}
        self.alerted: dict[str, datetime] = {}  # cause -> since when it was bad, for those told and not yet well
        self.last_alert: dict[str, datetime] = {}
        self.away_untold: datetime | None = None  # the chat was down, nobody could be told: say so on reconnection
        self.known_roster: Roster | None = None

    async def tick(self) -> list[str]:
        """Check every cause once; send what is due. Returns the texts sent (for the log and the tests)."""
        report = await self.health.report()
        now = self.health.clock.now()
        if "database" not in report.problems:
            await self._current_roster()  # kept: whom to tell when the database is away
        sent: list[str] = []
        for name in list(self.health.causes):
            problem = report.problems.get(name)
            if problem is not None:
                since = self.bad_since.setdefault(name, now)
                if name in self.alerted or now - since < self.after:
                    continue
                last = self.last_alert.get(name)
                if last is not None and now - last < ALERT_REPEAT:
                    continue
                began = problem.values.get("since", since)  # the chat: when it went down, not when that mattered
                values = {"minutes": _minutes(now - began), **problem.values}
                text = self.renderer.render("health/alert.j2", cause=name, **values)
                if await self._deliver(text, name, now):
                    self.alerted[name], self.last_alert[name] = began, now
                    sent.append(text)
                elif name == "chat":
                    self.away_untold = self.away_untold or began
                    self.last_alert[name] = now  # tried: on reconnection the message says how long it was
            else:
                self.bad_since.pop(name, None)
                if name in self.alerted:
                    began = self.alerted.pop(name)
                    text = self.renderer.render("health/recovered.j2", cause=name, minutes=_minutes(now - began))
                    if await self._deliver(text, name, now):
                        sent.append(text)
                if name == "chat" and self.away_untold is not None:
                    text = self.renderer.render("health/back.j2", minutes=_minutes(now - self.away_untold))
                    if await self._deliver(text, name, now):
                        sent.append(text)
                        self.away_untold = None
        return sent

    async def _deliver(self, text: str, cause: str, now: datetime) -> bool:
        """To the office room (else each office person privately): over the connection when it is up, else by a
        path that works without it (the office room's group robot webhook); False when nobody could be told."""
        roster = await self._current_roster()
        if roster is None:
            log.error("health: cannot tell anyone (%s): no roster known", cause)
            return False
        room = roster.office_room()
        key = f"health:{cause}:{int(now.timestamp())}"
        targets = [Outbound(room=room.chat_id, to=None, text=text, key=key)] if room is not None else [
            Outbound(room=None, to=p.chat_id, text=text, key=f"{key}:{p.id}") for p in roster.office_people
            if p.chat_id]
        transport = self.health.transport
        offline = getattr(transport, "send_without_connection", None)
        told = False
        for out in targets:
            try:
                if transport.connected:
                    await transport.send(out)
                elif offline is not None:
                    await offline(out, room.webhook_key if room is not None else None)
                else:
                    continue
                told = True
            except Exception as error:  # noqa: BLE001 — a TransportError, or the webhook's key unreadable (the database)
                log.warning("health: could not tell %s about %s: %s: %s", out.room or out.to, cause,
                            type(error).__name__, error)
        if told:
            log.warning("health: told the office: %s", cause)
        return told

    async def _current_roster(self) -> Roster | None:
        with contextlib.suppress(Exception):  # the database away: the last roster known
            self.known_roster = await asyncio.wait_for(self._roster(), DB_PROBE_SECONDS)
        return self.known_roster


async def watch(health: Health, alerter: Alerter | None) -> None:
    """Until cancelled: the connection looked at every WATCH_SECONDS, the causes every ALERT_CHECK_SECONDS."""
    last = 0.0
    while True:
        health.observe()
        if alerter is not None and time.monotonic() - last >= ALERT_CHECK_SECONDS:
            last = time.monotonic()
            try:
                await alerter.tick()
            except Exception:  # noqa: BLE001 — tried again at the next check
                log.exception("health: the alert check failed")
        await asyncio.sleep(WATCH_SECONDS)


def _minutes(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def _aware(at: datetime) -> datetime:
    """A time read back from SQLite has no zone: it is UTC (times are stored UTC)."""
    from datetime import UTC

    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
