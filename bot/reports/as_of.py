"""Findings as they stood at a moment `t`: the one reader behind every figure of bot.domain.figures.

A finding that had ended (销号 or 撤销) by `t` is read from its row: nothing changes a finding once it has ended
(the closed loop allows corrections and extensions only while it is open), so its columns are what they were at
`t`. A finding still open at `t` — logged before `t`, and open now or ended since — may have changed after `t`:
its status, deadline, category and school at `t` are folded from its events (bot.reports.finding_state). Only the
findings changed since `t` (a flag worked out in SQL from updated_at) have their events read; the others' columns
are already as of `t`. For the period under way `t` is now and no event is read at all.

Cohort figures (新发现 and what became of them) are grouped in SQL over the period's findings that ended by `t`,
plus the open ones from the fold; state figures (整改逾期, 验收超期, 累计未销号) come from the fold alone.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select

from bot.domain import figures
from bot.domain.colour import colour
from bot.domain.roster import Roster
from bot.ledger import lifecycle as ledger
from bot.reports.finding_state import Live, aware, state_at
from bot.storage import models as m
from bot.storage.session import Session

# The tables' Core columns, not the ORM's attributes: a statement of Core columns skips the ORM's result machinery
# (a third of the time of reading the 50,000 findings open at a past month's end)
F, E = m.Finding.__table__.c, m.FindingEvent.__table__.c
V = m.Visit.__table__.c
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # "since the beginning": a cohort of every finding
_FOLDED = (ledger.RECTIFY, ledger.VERIFY_FAIL, ledger.EXTEND, ledger.CORRECT, ledger.APPEAL, ledger.DECIDE_APPEAL,
           "created")
_LIVE_COLUMNS = (F.id, F.number, F.school_id, F.category, F.status, F.deadline_at, F.due_date, F.rectified_at,
                 F.finder_id, F.created_at, F.closed_at, F.appealed_at)


@dataclass(frozen=True)
class Window:
    """What a report counts: findings logged in [since, t), each as it stood at `t` (the period's end, or now)."""

    since: datetime
    t: datetime
    current: bool  # the period is under way: t is now

    @classmethod
    def of(cls, first: date, last: date, roster: Roster, now: datetime) -> Window:
        since = datetime.combine(first, time(0), roster.tz)
        end = figures.day_end(last, roster.tz)
        return cls(since.astimezone(UTC), min(end, _through(now)).astimezone(UTC), end > now)

    @classmethod
    def ever(cls, now: datetime) -> Window:
        return cls(EPOCH, _through(now).astimezone(UTC), True)

    def last_day(self, roster: Roster) -> date:
        """The last county day counted: the period's last day, or today while it is under way (its 截至)."""
        return (self.t - timedelta(microseconds=1)).astimezone(roster.tz).date()


def _through(now: datetime) -> datetime:
    """The period under way counts what happened up to and including now (a change made at this very instant)."""
    return now + timedelta(microseconds=1)


def _only(q, column, school_ids: Iterable[int] | None):  # noqa: ANN001, ANN202 — a Select narrowed to schools
    return q if school_ids is None else q.where(column.in_(sorted(school_ids)))


async def live_at(session: Session, roster: Roster, instants: list[datetime], now: datetime,
                  school_ids: Iterable[int] | None = None, where: ColumnElement[bool] | None = None,
                  only: tuple[str, ...] | None = None) -> dict[datetime, list[Live]]:
    """For each instant, the findings open at it (logged before it, not ended by it), as they stood then — only
    at `school_ids`, matching `where` (a condition on findings) and in the states `only` when given."""
    school_ids = None if school_ids is None else sorted(school_ids)
    wanted = set(school_ids or ())
    first, last = min(instants), max(instants)
    # coalesce(created_at): not an index SQLite may pick, so it reads the open ones by status and the others by
    # closed_at (an OR of two index searches) instead of walking every finding logged before `last`
    open_then = [_unindexed(F.created_at) < last, or_(F.status.in_(ledger.ACTIVE), F.closed_at >= first),
                 *([] if where is None else [where])]
    if school_ids is not None:  # a finding changed since may have been at one of these schools then (#修改 学校)
        at_school = F.school_id.in_(school_ids)
        open_then.append(at_school if first >= now else or_(at_school, F.updated_at >= first))
    if only is not None:  # a row unchanged since `first` is in the state it was in then
        open_then.append(F.status.in_(only) if first >= now else or_(F.status.in_(only), F.updated_at >= first))
    changed = case((F.updated_at >= first, True), else_=False).label("changed")  # since `first`: fold its events
    rows = (await session.execute(select(*_LIVE_COLUMNS, changed).where(*open_then))).all()
    history: dict[int, list] = defaultdict(list)
    if first < now and any(r.changed for r in rows):
        data = case((E.kind.in_((ledger.EXTEND, ledger.CORRECT)), E.data), else_=None)  # only these are read
        # the findings changed since `first` drive the read (IN, no ORDER BY, kind not searchable): joined and ordered
        # by finding, or searched by (kind, at), SQLite would walk millions of events
        moved = select(F.id).where(*open_then, F.updated_at >= first)
        events = select(E.finding_id, E.id, E.kind, E.at, data).where(E.finding_id.in_(moved.scalar_subquery()),
                                                                     E.kind.concat("").in_(_FOLDED))  # see above
        for finding_id, _, kind, at, data in sorted((await session.execute(events)).all(), key=lambda e: e[:2]):
            history[finding_id].append((kind, at, data))
    out: dict[datetime, list[Live]] = {}
    for t in instants:
        found = [state_at(r, history.get(r.id, ()), t, roster.tz) for r in rows
                 if aware(r.created_at) < t and (r.closed_at is None or aware(r.closed_at) >= t)]
        out[t] = [f for f in found if (only is None or f.status in only)
                  and (school_ids is None or f.school_id in wanted)]
    return out


@dataclass
class Tally:
    """Every counted figure per school at `window.t` (keys: figures.COUNTED), the cohort by category, and the
    findings in the state lists (整改逾期 longest first, 验收超期 oldest report first)."""

    window: Window
    schools: dict[int, dict] = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(figures.COUNTED, 0)))
    categories: Counter = field(default_factory=Counter)  # the cohort, withdrawn left out, by category at t
    overdue: list[Live] = field(default_factory=list)
    verify_late: list[Live] = field(default_factory=list)
    finders: Counter = field(default_factory=Counter)  # the cohort (withdrawn left out) by who logged it
    visitors: Counter = field(default_factory=Counter)  # visits (到校) in the window by supervisor
    closed_categories: Counter = field(default_factory=Counter)  # the cohort's 已销号, by category


async def tally(session: Session, roster: Roster, window: Window, now: datetime,
                school_ids: Iterable[int] | None = None, where: ColumnElement[bool] | None = None,
                who: bool = False) -> Tally:
    """Every figure at `window.t`, per school — only at `school_ids` and for findings matching `where` when given
    (visits follow `school_ids` alone); `who`: also the period's findings by who logged them (`finders`)."""
    out = Tally(window)
    await _ended(session, window, school_ids, where, out)
    if who:
        out.finders = await finders(session, window, school_ids)
    t = window.t
    within = roster.policy.verify_within.n
    red: dict[tuple, bool] = {}  # the colour and the verification day depend on a few values shared by many findings
    late_from: dict[date, datetime] = {}
    for f in (await live_at(session, roster, [t], now, school_ids, where))[t]:
        row = out.schools[f.school_id]
        row["active"] += 1
        row["to_verify" if f.status == ledger.RECTIFIED else "to_rectify"] += 1
        row["appealing"] += f.appealing
        if f.created_at >= window.since:
            row["new"] += 1
            row["open"] += 1
            row["due"] += f.deadline_at < t
            out.categories[f.category] += 1
        if figures.rectify_overdue(f.status, f.deadline_at, t, appealing=f.appealing):
            row["rectify_overdue"] += 1
            out.overdue.append(f)
            key = (f.due_date, f.deadline_at)
            if key not in red:
                red[key] = colour(f.status, f.deadline_at, f.due_date, t, roster, appealing=False) == "red"
            row["red"] += red[key]
        elif _verify_late(f, t, roster, within, late_from):
            row["verify_late"] += 1
            out.verify_late.append(f)
    out.overdue.sort(key=lambda f: (f.deadline_at, f.number))
    out.verify_late.sort(key=lambda f: (f.reported_at, f.number))
    for (sid, person_id), n in (await visits(session, window, school_ids)).items():
        out.schools[sid]["visits"] += n
        out.visitors[person_id] += n
    return out


def _verify_late(f: Live, t: datetime, roster: Roster, within: int, known: dict[date, datetime]) -> bool:
    """figures.verify_late (not while 申诉中), with each report day's verification deadline worked out once
    (`known`)."""
    if f.status != ledger.RECTIFIED or f.reported_at is None or f.appealing:
        return False
    day = f.reported_at.astimezone(roster.tz).date()
    if day not in known:
        known[day] = figures.verify_by(f.reported_at, roster.tz, roster.calendar, within)
    return known[day] < t


def _unindexed(column):  # noqa: ANN001, ANN202 — a column, compared through coalesce
    """The column as SQLite will not search by it (coalesce of itself): the other conditions choose the index."""
    return func.coalesce(column, column)


async def _ended(session: Session, window: Window, school_ids: Iterable[int] | None,
                 where: ColumnElement[bool] | None, out: Tally) -> None:
    """The period's findings that had ended by `t`, grouped by school and category: 已销号 (and 按期), 已撤销. The
    created_at range is the narrow condition of a period's cohort; for the
    whole ledger SQLite reads the table once instead of walking an index over all of it."""
    in_time = case((F.rectified_at < F.deadline_at, 1), else_=0)
    created = F.created_at if window.since > EPOCH else _unindexed(F.created_at)
    ended = [created >= window.since, created < window.t, _unindexed(F.closed_at) < window.t,
             F.status.concat("").in_((ledger.CLOSED, ledger.WITHDRAWN)), *([] if where is None else [where])]
    school = (F.school_id + 0).label("school")
    q = select(school, F.category, F.status, func.count(), func.sum(in_time)).where(*ended) \
        .group_by(school, F.category, F.status)
    for sid, category, status, n, on_time in (await session.execute(_only(q, F.school_id, school_ids))):
        row = out.schools[sid]
        row["new"] += n
        if status == ledger.CLOSED:
            row["closed"] += n
            row["due"] += n
            row["on_time"] += int(on_time or 0)
            out.categories[category] += n
            out.closed_categories[category] += n
        else:
            row["withdrawn"] += n


async def finders(session: Session, window: Window, school_ids: Iterable[int] | None = None) -> Counter:
    """Person → the findings they logged in the window, those withdrawn by its end left out (the digests' and the
    考核's 发现问题): one grouped read of the period's findings."""
    return await _kept_by(session, window, (F.finder_id + 0).label("finder"), school_ids)


async def sources(session: Session, window: Window, school_ids: Iterable[int] | None = None) -> Counter:
    """来源 (bot.domain.sources code) → the findings logged in the window, those withdrawn by its end left out (as
    `finders` and the categories count them). A finding's source is set when it is logged and never changes, so
    the count as of `window.t` is read off the rows."""
    return await _kept_by(session, window, F.source, school_ids)


async def _kept_by(session: Session, window: Window, key: ColumnElement[Any],
                   school_ids: Iterable[int] | None) -> Counter:
    """The window's findings not withdrawn by its end, counted by `key`: one grouped read."""
    withdrawn_then = and_(F.status.concat("") == ledger.WITHDRAWN, _unindexed(F.closed_at) < window.t)
    q = select(key, func.count()).where(F.created_at >= window.since, F.created_at < window.t,
                                        not_(withdrawn_then)).group_by(key)
    return Counter(dict((await session.execute(_only(q, F.school_id, school_ids))).all()))


async def verify_late_at(session: Session, roster: Roster, t: datetime, now: datetime) -> list[Live]:
    """The findings 验收超期 at `t` (bot.domain.figures), oldest report first: only those that may have been
    待验收 then are read."""
    within, known = roster.policy.verify_within.n, dict[date, datetime]()
    found = [f for f in (await live_at(session, roster, [t], now, only=(ledger.RECTIFIED,)))[t]
             if _verify_late(f, t, roster, within, known)]
    return sorted(found, key=lambda f: (f.reported_at, f.number))


async def visits(session: Session, window: Window, school_ids: Iterable[int] | None = None
                 ) -> dict[tuple[int, int], int]:
    """Per (school, supervisor): visits (到校) in the window."""
    school, person = (V.school_id + 0).label("school"), (V.person_id + 0).label("person")
    q = select(school, person, func.count()).where(V.at >= window.since, V.at < window.t).group_by(school, person)
    return {(sid, pid): n for sid, pid, n in (await session.execute(_only(q, V.school_id, school_ids))).all()}


async def first_record(session: Session) -> datetime | None:
    """When the ledger's first record was made (a finding, a visit or a report), or None for an empty ledger: a
    period that ended before it has nothing to report."""
    found = [await session.scalar(select(func.min(column))) for column in (F.created_at, m.Visit.at, m.Submission.at)]
    return min((aware(at) for at in found if at is not None), default=None)


def by_district(per_school: dict[int, dict], district_of: dict[int, int]) -> dict[int, dict]:
    """Fold per-school counts into the districts the schools belonged to (schools of no district left out)."""
    out: dict[int, dict] = defaultdict(lambda: dict.fromkeys(figures.COUNTED, 0))
    for sid, counts in per_school.items():
        if sid in district_of:
            row = out[district_of[sid]]
            for k in figures.COUNTED:
                row[k] += counts.get(k, 0)
    return out


def district_rows(tally: Tally, roster: Roster, district_of: dict[int, int]) -> tuple[list[dict], dict]:
    """Every district of the roster (in id order) with its counts and rates, and the county's totals: the sum of
    the rows, with the rates worked out from it."""
    folded = by_district(tally.schools, district_of)
    rows = [dict(name=d.name, **folded[d.id], **figures.rates(folded[d.id]))
            for d in sorted(roster.districts.values(), key=lambda d: d.id)]
    totals = total(rows)
    totals.update(figures.rates(totals))
    return rows, totals


def total(rows: Iterable[dict]) -> dict:
    out = dict.fromkeys(figures.COUNTED, 0)
    for row in rows:
        for k in figures.COUNTED:
            out[k] += row.get(k, 0)
    return out
