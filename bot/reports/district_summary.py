"""The 汇总 draft: a district's month from the ledger, for its lead to check and confirm (#汇总 → #汇总 确认).

Per school: findings logged, closed (销号), still open and overdue, and visits; per supervisor: visits and
findings logged; and who has sent the month's 月报 and 自查.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import false

from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import duties, period_of
from bot.reports import aggregates as q
from bot.reports.owed import owed_reports

SCHOOLS_SHOWN = 30


def month_bounds(roster: Roster, month_start: date, now: datetime) -> tuple[datetime, datetime]:
    """[start of the month, min(now, start of the next month)), county time."""
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    start = datetime.combine(month_start, time(0), roster.tz)
    return start, min(now, datetime.combine(next_month, time(0), roster.tz))


async def district_month_values(session: AsyncSession, roster: Roster, district_id: int, month_start: date,
                                now: datetime) -> dict:
    """Plain values for cycle/summary_body.j2."""
    since, until = month_bounds(roster, month_start, now)
    mine = sorted((s for s in roster.schools.values() if s.district_id == district_id), key=lambda s: s.id)
    ids = [s.id for s in mine]
    flows = await q.flow(session, since, until, ids)
    states = await q.state(session, now, false(), ids)
    went = await q.visits(session, since, until, ids)
    schools = [dict(name=s.display, visits=went.get(s.id, 0), new=flows[s.id]["new"],
                    closed=flows[s.id]["closed"], **_state(states.get(s.id))) for s in mine]
    schools.sort(key=lambda r: (-r["overdue"], -r["active"], -r["new"]))
    totals = {k: sum(r[k] for r in schools) for k in ("new", "closed", "active", "overdue", "visits")}
    period = period_of(month_start)
    return dict(district=roster.districts[district_id].name, year=month_start.year, month=month_start.month,
                until=(until - timedelta(seconds=1)).astimezone(roster.tz).date(), totals=totals,
                schools=schools[:SCHOOLS_SHOWN], more_schools=max(0, len(schools) - SCHOOLS_SHOWN),
                people=await _people(session, roster, district_id, since, until),
                reports=[await _report(session, roster, kind, period, district_id) for kind in ("月报", "自查")])


def _state(counts: dict | None) -> dict:
    return dict(active=counts["active"], overdue=counts["overdue"]) if counts else dict(active=0, overdue=0)


async def _people(session: AsyncSession, roster: Roster, district_id: int, since: datetime, until: datetime
                  ) -> list[dict]:
    activity = await q.activity(session, since, until)
    supervisors = [d.people[0] for d in duties(roster, "月报") if d.district_id == district_id]
    return [dict(name=p.name, **activity.get(p.id, dict(visits=0, findings=0))) for p in supervisors]


async def _report(session: AsyncSession, roster: Roster, kind: str, period: str, district_id: int) -> dict:
    owed = await owed_reports(session, roster, kind, period, district_id)
    return dict(kind=kind, total=len(owed.duties), submitted=[d.label for d in owed.submitted],
                missing=[d.label for d in owed.pending])
