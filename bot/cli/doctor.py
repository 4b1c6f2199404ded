"""`dudao doctor`: what stands between this installation and a working bot, in the operator's words (Chinese, from
templates/cli/doctor.j2), and whether the bot could work (the exit code). It also compares this machine's clock with
the platform's (the gateway's, or WeCom's) and warns past a minute, warns when the county's calendar has no term
for some day of the coming 60 days (bot.obligations.calendar_ahead), with the line to add, and counts the photo
rows whose files are gone, says when the last good backup is older than BACKUP_MAX_AGE_HOURS (or none was made),
and a RETENTION_DAYS shorter than the transports' redelivery windows allow."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.bootstrap import open_database, read_roster
from bot.cli.db_problem import DatabaseUnavailable
from bot.cli.say import say
from bot.clock import Clock, ClockReading, SystemClock, rounded_seconds
from bot.ledger import evidence
from bot.obligations.calendar_ahead import LOOK_AHEAD, calendar_gap
from bot.render import Renderer
from bot.settings import Settings
from bot.storage import retention
from bot.storage.backup import backup_stale, last_good_backup
from bot.storage.roster_repo import NoCountyLoaded

log = logging.getLogger("dudao.doctor")
SHOWN = ZoneInfo("Asia/Shanghai")  # times are shown in China's time
CLOCK_WARNING = timedelta(minutes=1)  # this machine's clock this far from the platform's: a warning


async def doctor(settings: Settings, *, wait: float = 5.0, clock: Clock | None = None) -> tuple[int, str]:
    """(exit code, report): 0 when the bot can work (warnings allowed), 1 when it cannot. `clock`: this machine's
    (injected in tests)."""
    now = (clock or SystemClock()).now
    county, county_rooms, db_error, gap, photos = None, {}, None, None, (0, 0)
    last_backup: datetime | None = None
    try:
        db = await open_database(settings.database_url)
        try:
            async with db.reading() as session:
                photos = await evidence.missing_files(session)
                last_backup = await last_good_backup(session)
            roster = await read_roster(db)
            county, county_rooms = roster.county, {r.chat_id: r.name for r in roster.rooms.values()}
            gap = calendar_gap(roster.terms, now().astimezone(roster.tz).date())
        except NoCountyLoaded:
            pass
        finally:
            await db.dispose()
    except DatabaseUnavailable as error:
        db_error = say("db_reason", kind=error.kind)
    except Exception:  # noqa: BLE001 — the report says it in general words; the operator fixes DATABASE_URL
        log.exception("doctor: the database could not be opened")
        db_error = say("db_reason", kind="other")

    gw, config = None, None
    if not settings.wechaty_puppet_service_endpoint:
        config = "no_endpoint"
    elif not settings.wechaty_puppet_service_token:
        config = "no_token"
    else:
        from bot.transports.wechaty.checkup import check_gateway
        from bot.transports.wechaty.gateway import WechatyConfigError

        try:
            gw = await check_gateway(settings, wait=wait, now=now)
        except WechatyConfigError:
            config = "bad_endpoint"

    missing = unbound = []
    if gw is not None and gw.rooms_known:
        missing = [(chat_id, name) for chat_id, name in sorted(county_rooms.items()) if chat_id not in gw.rooms]
        unbound = [(chat_id, topic) for chat_id, topic in sorted(gw.rooms.items()) if chat_id not in county_rooms]
    works = gw is not None and gw.works and county is not None and db_error is None
    text = Renderer().render(
        "cli/doctor.j2", gw=gw, config=config, endpoint=settings.wechaty_puppet_service_endpoint or "",
        county=county, county_file=str(settings.county_file or ""), rooms=len(county_rooms), db_error=db_error,
        missing=missing, unbound=unbound, works=works, clock=await _clock(settings, gw, now, wait),
        skew=settings.clock_skew_minutes, gap=gap, look_ahead=LOOK_AHEAD.days, photos=photos,
        backup=None if db_error else _backup(settings, last_backup, now()), retention=_retention(settings))
    return (0 if works else 1), text


async def _clock(settings: Settings, gw: Any, now: Callable[[], datetime], wait: float) -> dict[str, Any] | None:
    """This machine's clock against the platform's: WeCom's (the Date of its long-connection host) when WeCom is
    the transport, else the gateway's (the Date of its answer to a Ding); None when neither could be asked."""
    if settings.wecom_configured:
        from bot.transports.wecom.wecom_clock import read_wecom_clock

        return _compared("wecom", await read_wecom_clock(settings.wecom_ws_url, now, max(wait, 1.0)))
    if gw is not None and gw.reachable and not gw.tls and not gw.token_refused:
        return _compared("gateway", gw.clock)
    return None


def _backup(settings: Settings, last: datetime | None, now: datetime) -> dict[str, Any] | None:
    """The last good backup against BACKUP_MAX_AGE_HOURS: said when backups are scheduled or one was made."""
    if last is None and settings.backup_dir is None:
        return {"never": True, "scheduled": False}
    hours = (now - last).total_seconds() / 3600 if last is not None else None
    return {"never": last is None, "scheduled": settings.backup_dir is not None, "hours": round(hours or 0),
            "stale": backup_stale(last, now, settings.backup_max_age_hours), "max": settings.backup_max_age_hours,
            "at": last.astimezone(SHOWN).strftime("%Y-%m-%d %H:%M") if last is not None else "",
            "dir": str(settings.backup_dir or "")}


def _retention(settings: Settings) -> dict[str, int] | None:
    """RETENTION_DAYS shorter than the redelivery windows allow: said, with the days used instead."""
    used = retention.effective_days(settings.retention_days)
    return None if used == settings.retention_days else {"set": settings.retention_days, "used": used}


def _compared(source: str, reading: ClockReading | None) -> dict[str, Any]:
    if reading is None:
        return {"source": source, "known": False}
    ahead = rounded_seconds(reading.ahead)
    days, rest = divmod(abs(ahead), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return {"source": source, "known": True, "ahead": ahead, "off": abs(reading.ahead) > CLOCK_WARNING,
            "days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
