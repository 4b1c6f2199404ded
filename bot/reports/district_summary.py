"""The 汇总 draft: a district's month from the ledger, for its lead to check and confirm (#汇总 → #汇总 确认).

Per school: findings logged, closed (销号), still open and overdue, and visits; per supervisor: visits and
findings logged; and who has sent the month's 月报 and 自查.
"""
from __future__ import annotations

from datetime import date, datetime

from bot.domain import figures
from bot.domain.roster import Roster
from bot.obligations.reporting_cycle import duties, period_of
from bot.parsing.periods import month_period
from bot.reports import as_of
from bot.reports.owed import owed_reports
from bot.reports.places import districts_at
from bot.storage.session import Session

SCHOOLS_SHOWN = 30


async def district_month_values(session: Session, roster: Roster, district_id: int, month_start: date,
                                now: datetime) -> dict:
    """Plain values for cycle/summary_body.j2: every figure as bot.domain.figures defines it, as of the month's end
    (or now, while the month is under way), for the schools the district had then."""
    window = as_of.Window.of(month_start, month_period(month_start).last, roster, now)
    district_of = await districts_at(session, roster, window.t)
    ids = sorted(sid for sid, did in district_of.items() if did == district_id)
    tally = await as_of.tally(session, roster, window, now, ids, who=True)
    empty = dict.fromkeys(figures.COUNTED, 0)
    schools = [dict(name=roster.schools[sid].display if sid in roster.schools else "", **tally.schools.get(sid, empty))
               for sid in ids]
    schools.sort(key=lambda r: (-r["rectify_overdue"], -r["active"], -r["new"]))
    totals = as_of.total(schools)
    totals.update(figures.rates(totals))
    period = period_of(month_start)
    return dict(district=roster.districts[district_id].name, year=month_start.year, month=month_start.month,
                until=window.last_day(roster), totals=totals, schools=schools[:SCHOOLS_SHOWN],
                more_schools=max(0, len(schools) - SCHOOLS_SHOWN),
                people=_people(roster, district_id, tally),
                reports=[await _report(session, roster, kind, period, district_id, window.t)
                         for kind in ("月报", "自查")])


def _people(roster: Roster, district_id: int, tally: as_of.Tally) -> list[dict]:
    supervisors = [d.people[0] for d in duties(roster, "月报") if d.district_id == district_id]
    return [dict(name=p.name, visits=tally.visitors[p.id], findings=tally.finders[p.id]) for p in supervisors]


async def _report(session: Session, roster: Roster, kind: str, period: str, district_id: int,
                  t: datetime) -> dict:
    owed = await owed_reports(session, roster, kind, period, district_id, as_of=t)
    return dict(kind=kind, total=len(owed.duties), submitted=[d.label for d in owed.submitted],
                missing=[d.label for d in owed.pending])
