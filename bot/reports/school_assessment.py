"""综合督导考核 of schools: each school's indicators (bot.domain.school_indicators) for a period — a month, a year,
a range of months, a term, a week or a range of days — weighted as the county file says (policy.school_assessment),
giving a score and the school's rank in its district and in the county.

Everything is as of the period's end `t` (now, for a period under way), so asking later for a past period gives what
was asked at its end:
- the schools are those that existed at `t`, each in its district at `t` (bot.storage.roster_history.roster_at);
- the finding figures are bot.reports.as_of.tally's, per school at `t` (the finding's school at `t`);
- 专项检查符合率 counts the 专项督导 checklist results recorded in the period (before `t`) that stood at `t` (a
  result recorded again for the same item, before `t`, supersedes it): 符合 and 不符合 (不适用 left out);
- 自查按时率 counts the months whose 自查 due day (policy.monthly.自查.due_day) falls in the period and is over by
  `t`: a school that existed on the due day owes it, unless all its principals were on leave (请假, as recorded
  before `t`) on the due-day reminder's day; it is on time when its first 自查 for that month came on or before
  the due day, late when after (but before `t`), missing when none came before `t` (bot.reports.owed).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from fractions import Fraction
from typing import Final

from sqlalchemy import func, or_, select

from bot.domain import figures
from bot.domain.roles import Actor
from bot.domain.roster import Roster, RosterAt
from bot.domain.school_indicators import BY_NAME, Indicator, one_decimal, ranks, score, shares
from bot.obligations.campaigns import FAIL, PASS
from bot.obligations.reporting_cycle import duties, month_steps
from bot.parsing.periods import Period
from bot.reports import as_of
from bot.reports.absences import leave_ends
from bot.reports.owed import excused, first_subjects
from bot.storage import models as m
from bot.storage.roster_history import districts_between, roster_at
from bot.storage.session import Session

SELF_CHECK: Final = "自查"
CAMPAIGN_COUNTS = ("campaign_pass", "campaign_fail")
NO_ITEMS: Final = dict.fromkeys(CAMPAIGN_COUNTS, 0)
SELF_CHECK_COUNTS = ("self_check_due", "self_check_on_time", "self_check_late", "self_check_missing",
                     "self_check_excused")


@dataclass(frozen=True)
class Measure:
    """One indicator of one school: what it reads, its points and its weight after the 不适用 rule."""

    indicator: Indicator
    weight: int  # as the county file says
    part: int
    base: int | None  # a rate's base; None for a count
    value: int | None  # a rate in whole percent (None: 不适用), or the count
    points: int | None  # 0–100; None: 不适用
    share: Fraction | None  # the weight it carries for this school (None: 不适用)

    @property
    def applies(self) -> bool:
        return self.points is not None

    @property
    def weight_shown(self) -> float | None:
        return one_decimal(self.share) if self.share is not None else None

    @property
    def contribution(self) -> float | None:
        """Points × share ÷ 100, one decimal: what it adds to the score."""
        if self.points is None or self.share is None:
            return None
        return one_decimal(self.points * self.share / 100)


@dataclass(frozen=True)
class SchoolScore:
    school_id: int
    name: str
    district_id: int
    district: str
    measures: tuple[Measure, ...]
    score: float | None  # one decimal; None: no weighted indicator applies
    district_rank: int | None
    county_rank: int | None
    district_size: int  # the schools ranked in the district
    county_size: int  # the schools ranked in the county


@dataclass(frozen=True)
class SchoolAssessment:
    county: str
    period: Period
    until: date  # the last county day counted (today for a period under way)
    weights: tuple[tuple[Indicator, int], ...]  # the county's indicators in its order, with their weights
    deduction: int  # points off 整改逾期 for each overdue finding
    self_check_due_day: int
    rows: tuple[SchoolScore, ...]  # by district (roster order), then rank, then roster order
    districts: tuple[tuple[int, str], ...]  # the districts at t that have schools, in order

    def only(self, school_ids: Iterable[int] | None = None, district_id: int | None = None) -> list[SchoolScore]:
        """The rows of `school_ids` (None: all) in `district_id` (None: every district) — what a viewer may see."""
        wanted = None if school_ids is None else set(school_ids)
        return [r for r in self.rows if (wanted is None or r.school_id in wanted)
                and (district_id is None or r.district_id == district_id)]

    def by_county_rank(self, rows: Iterable[SchoolScore]) -> list[SchoolScore]:
        return sorted(rows, key=lambda r: (r.county_rank is None, r.county_rank or 0, r.school_id))

    def scope_name(self, actor: Actor, rows: list[SchoolScore], district_id: int | None = None,
                   school: bool = False) -> str:
        """What `rows` (what `actor` asked for and may see) cover, by name (docs/design.md: a district's name only
        over all of it): a school (one asked for, or a principal's), a district, 全县, or 您负责的学校."""
        if school or actor.is_principal:
            return rows[0].name if rows else ""
        names = dict(self.districts)
        if district_id is not None:
            whole = actor.is_office or district_id in actor.led_districts
            return names.get(district_id, "") if whole else f"您在{names.get(district_id, '')}负责的学校"
        if actor.is_office:
            return "全县"
        led = [name for d, name in self.districts if d in actor.led_districts]
        return "、".join(led) if led and {r.district_id for r in rows} <= actor.led_districts else "您负责的学校"


async def school_assessment(session: Session, roster: Roster, period: Period, now: datetime) -> SchoolAssessment:
    """Every school's 综合督导考核 for `period`, as of its end."""
    window = as_of.Window.of(period.first, period.last, roster, now)
    then = await roster_at(session, roster, window.t)
    tally = await as_of.tally(session, roster, window, now)
    checks = await self_checks(session, roster, period, window.t, then)
    items = await campaign_items(session, window)
    conf = roster.policy.school_assessment
    weights = tuple((BY_NAME[name], w) for name, w in conf.indicators.items())
    scored = {}
    for sid in then.schools:
        counts = {**dict.fromkeys(figures.COUNTED, 0), **tally.schools.get(sid, {}), **checks[sid],
                  **items.get(sid, NO_ITEMS)}
        scored[sid] = _measures(counts, weights, conf.overdue_deduction)
    scores = {sid: _score(ms) for sid, ms in scored.items()}
    county_ranks = ranks(scores)
    by_district: dict[int, list[int]] = defaultdict(list)
    for sid, school in then.schools.items():
        by_district[school.district_id].append(sid)
    rows = []
    order = {d: i for i, d in enumerate(sorted(roster.districts))}
    for district_id, sids in by_district.items():
        district_ranks = ranks({sid: scores[sid] for sid in sids})
        district = roster.districts.get(district_id)
        for sid in sids:
            rows.append(SchoolScore(
                school_id=sid, name=then.schools[sid].name, district_id=district_id,
                district=district.name if district else "", measures=scored[sid], score=scores[sid],
                district_rank=district_ranks.get(sid), county_rank=county_ranks.get(sid),
                district_size=len(district_ranks), county_size=len(county_ranks)))
    rows.sort(key=lambda r: (order.get(r.district_id, len(order)), r.district_id, r.district_rank is None,
                             r.district_rank or 0, r.school_id))
    districts = tuple(dict.fromkeys((r.district_id, r.district) for r in rows))
    return SchoolAssessment(county=roster.county, period=period, until=window.last_day(roster), weights=weights,
                            deduction=conf.overdue_deduction,
                            self_check_due_day=roster.policy.monthly[SELF_CHECK].due_day, rows=tuple(rows),
                            districts=districts)


def _measures(counts: dict, weights: tuple[tuple[Indicator, int], ...], deduction: int) -> tuple[Measure, ...]:
    points = {i.name: i.points(counts, deduction) for i, _ in weights}
    weighted = shares(points, {i.name: w for i, w in weights})
    return tuple(Measure(indicator=i, weight=w, part=i.part(counts), base=i.base(counts) if i.base else None,
                         value=i.value(counts), points=points[i.name], share=weighted[i.name])
                 for i, w in weights)


def _score(measures: tuple[Measure, ...]) -> float | None:
    found = score({m.indicator.name: m.points for m in measures}, {m.indicator.name: m.weight for m in measures})
    return one_decimal(found) if found is not None else None


async def self_checks(session: Session, roster: Roster, period: Period, t: datetime,
                      then: RosterAt) -> dict[int, dict[str, int]]:
    """School id → its 自查 counts for the months whose due day falls in `period` and is over by `t` (see the
    module's docstring): owed (excused months left out), on time, late, missing, excused."""
    out: dict[int, dict[str, int]] = {sid: dict.fromkeys(SELF_CHECK_COUNTS, 0) for sid in then.schools}
    steps = [s for s in (month_steps(roster, SELF_CHECK, start) for start in period.month_starts())
             if period.first <= s.due <= period.last and figures.day_end(s.due, roster.tz) <= t]
    if not steps:
        return out
    since = datetime.combine(steps[0].due, time(0), roster.tz)
    existed = await districts_between(session, since, t)
    principals = {d.subject: d for d in duties(roster, SELF_CHECK)}
    for step in steps:
        due_start = datetime.combine(step.due, time(0), roster.tz)
        done = await first_subjects(session, SELF_CHECK, step.period, t)
        away = await leave_ends(session, step.due_day, recorded_before=t)
        for sid, counts in out.items():
            if not any(start <= due_start < end for _, start, end in existed.get(sid, ())):
                continue  # not a school on the due day: it owed nothing
            came = done.get(sid)
            if came is not None:
                counts["self_check_due"] += 1
                on_time = came.at.astimezone(roster.tz).date() <= step.due
                counts["self_check_on_time" if on_time else "self_check_late"] += 1
            elif sid in principals and excused(principals[sid], away):
                counts["self_check_excused"] += 1
            else:
                counts["self_check_due"] += 1
                counts["self_check_missing"] += 1
    return out


async def campaign_items(session: Session, window: as_of.Window) -> dict[int, dict[str, int]]:
    """School id → its 专项督导 checklist results recorded in the window and standing at its end: 符合 and 不符合
    (不适用 is not counted)."""
    r = m.CampaignResult
    rows = await session.execute(
        select(r.school_id, r.result, func.count()).where(
            r.at >= window.since, r.at < window.t, r.result.in_((PASS, FAIL)),
            or_(r.superseded_at.is_(None), r.superseded_at >= window.t))
        .group_by(r.school_id, r.result))
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict(NO_ITEMS))
    for school_id, result, count in rows:
        out[school_id]["campaign_pass" if result == PASS else "campaign_fail"] = count
    return dict(out)
