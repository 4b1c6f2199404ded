"""Digests to the office room on schedule: the weekly digest (周报) and the monthly 通报 draft.

Their values are worked out by bot.reports.weekly_digest and bot.reports.bulletin (which also serve #周报 /
#通报 on demand); this module holds when each is due and the rule that queues them.

Schedule (policy.digest): a digest is owed from its scheduled instant (weekly: weekday + time; bulletin: day +
time) until it has been sent for that week / month (keys digest:weekly:2024-W13 — the week it is sent in —,
digest:bulletin:2024-03). The weekly digest is about the last full ISO week before its scheduled day, whenever it
goes out; one whose next is already due is still sent (the week it covers is in no other digest). The sweep
runs only on working days outside quiet hours, so a digest whose time falls on a holiday goes out at the first
sweep of the next working day.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from bot.contract import Context, Notice
from bot.domain.local_time import local_instant
from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import period_of
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.weekly_digest import WEEKLY_TEMPLATE, last_full_week, weekly_digest_values
from reminders.notify import already_sent
from reminders.steps import epoch, office_room


def latest_weekly(roster: Roster, now: datetime) -> datetime:
    """The latest scheduled weekly-digest instant at or before `now`."""
    weekly = roster.policy.digest.weekly
    today = now.astimezone(roster.tz).date()
    day = today - timedelta(days=(today.isoweekday() - weekly.weekday) % 7)
    instant = local_instant(day, weekly.time, roster)
    return instant if instant <= now else local_instant(day - timedelta(days=7), weekly.time, roster)


def weekly_key(instant: datetime, roster: Roster) -> str:
    year, week, _ = instant.astimezone(roster.tz).date().isocalendar()
    return f"digest:weekly:{year}-W{week:02d}"


def bulletin_day(roster: Roster, month_start: date) -> date:
    day = roster.policy.digest.monthly_bulletin.day
    last = calendar.monthrange(month_start.year, month_start.month)[1]
    return month_start.replace(day=last if day == "last" else min(int(day), last))


def latest_bulletin(roster: Roster, now: datetime) -> datetime:
    """The latest scheduled bulletin instant at or before `now`."""
    at = roster.policy.digest.monthly_bulletin.time
    this_month = now.astimezone(roster.tz).date().replace(day=1)
    instant = local_instant(bulletin_day(roster, this_month), at, roster)
    if instant <= now:
        return instant
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return local_instant(bulletin_day(roster, last_month), at, roster)


async def digest_rule(ctx: Context) -> list[Notice]:
    room = office_room(ctx.roster)
    if room is None:
        return []
    since = await epoch(ctx.session, ctx.now)
    notices: list[Notice] = []
    latest = latest_weekly(ctx.roster, ctx.now)
    for weekly_at in (latest - timedelta(days=7), latest):  # one missed while the bot was down or on days off too
        key = weekly_key(weekly_at, ctx.roster)
        if weekly_at >= since and not await already_sent(ctx.session, key):
            monday = last_full_week(weekly_at.astimezone(ctx.roster.tz).date())
            values = await weekly_digest_values(ctx.session, ctx.roster, ctx.now, monday)
            notices.append(Notice(key=key, kind="digest", template=WEEKLY_TEMPLATE, values=values, room=room))
    bulletin_at = latest_bulletin(ctx.roster, ctx.now)
    local = bulletin_at.astimezone(ctx.roster.tz).date()
    key = f"digest:bulletin:{period_of(local)}"
    if bulletin_at >= since and not await already_sent(ctx.session, key):
        values = await bulletin_values(ctx.session, ctx.roster, ctx.now, local.replace(day=1))
        notices.append(Notice(key=key, kind="digest", template=BULLETIN_TEMPLATE, values=values, room=room))
    return notices
