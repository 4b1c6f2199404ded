"""责任督学考核: what each supervisor did in a period — a month, a year, a range of months or a term.

Per supervisor (every active 督学 on the roster; district leads are supervisors too), in the period (cut at now
for one not yet over), county time:
- 挂牌学校: the schools they held at any time in the period (bot.storage.roster_history: a supervisor reassigned
  between two months is appraised for both schools in a term, for the one held in each month);
- 到校: their #到校 records — how many, at which schools, which of their assigned schools saw no visit (visits to
  schools no longer on the roster are left out, as in the digests);
- 发现问题: findings they logged in the period, those withdrawn by its end not counted (bot.reports.as_of);
- 验收超期: at the period's end, rectification reports of their schools awaiting their verification longer than
  `verify_within` (bot.domain.figures; the finder's while active, else the school's supervisors');
- 验收: verifications they made (passed or failed) and how many were on time. docs/design.md says a rectification
  waiting for verification "too long" is chased, and the county policy says how long: `verify_within` (5 working
  days by default). So a verification is ON TIME when it comes on or before the N-th working day after the local
  day of the rectification report it answers (the latest #整改 of that finding before it) — before the day the
  reminder rule (reminders/verify.py) would chase it. Working days follow the county calendar (statutory
  holidays and 调休 included);
- 月报: the months whose 月报 due day (policy.monthly.月报.due_day) falls in the period. A month counts once its
  due day is over (or the report is in): ON TIME when the first report for that month came on or before the
  due day, late when after; missing when none came, unless the supervisor was on leave (请假) on the due-day
  reminder's day — then excused, as the monthly cycle does.

Every count is read in a few grouped queries for the whole county, then folded per supervisor.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from sqlalchemy import func, select

from bot.domain.roster import PersonInfo, Roster, RosterAt
from bot.ledger import lifecycle as ledger
from bot.obligations.reporting_cycle import home_district, month_steps, supervisors
from bot.parsing.periods import Period
from bot.reports import as_of, photo_doubts
from bot.reports.absences import leave_ends
from bot.reports.photo_doubts import PhotoDoubts
from bot.storage import models as m
from bot.storage.roster_history import roster_at, supervision_between
from bot.storage.session import Session

REPORT: Final = "月报"


@dataclass(frozen=True)
class SupervisorRow:
    """One supervisor's counts for the period (plain values)."""

    person_id: int
    name: str
    district: str
    schools: tuple[str, ...]  # assigned, by name
    visits_by_school: tuple[tuple[str, int], ...]  # every school visited, most visits first
    unvisited: tuple[str, ...]  # assigned schools with no visit
    findings: int = 0
    verifications: int = 0
    verified_on_time: int = 0
    verify_late: int = 0  # 验收超期 at the period's end: reports of their schools awaiting their verification
    reports_due: int = 0  # 月报 owed (excused months left out)
    reports_on_time: int = 0
    reports_late: int = 0
    reports_missing: int = 0
    reports_excused: int = 0

    @property
    def visits(self) -> int:
        return sum(n for _, n in self.visits_by_school)

    @property
    def schools_visited(self) -> int:
        """Assigned schools with at least one visit."""
        return len(self.schools) - len(self.unvisited)

    @property
    def coverage(self) -> float | None:
        """Share of the assigned schools visited (None: no school assigned)."""
        return self.schools_visited / len(self.schools) if self.schools else None

    @property
    def on_time_rate(self) -> float | None:
        return self.verified_on_time / self.verifications if self.verifications else None

    @property
    def report_rate(self) -> float | None:
        """月报按时率 (bot.domain.figures): on time ÷ owed (excused months are not owed)."""
        return self.reports_on_time / self.reports_due if self.reports_due else None


COUNTS = ("findings", "verifications", "verified_on_time", "verify_late", "reports_due", "reports_on_time",
          "reports_late", "reports_missing", "reports_excused")


@dataclass(frozen=True)
class Assessment:
    county: str
    period: Period
    until: date  # the last county day counted (today for a period not yet over)
    verify_days: int  # policy.verify_within, working days
    report_due_day: int  # policy.monthly.月报.due_day
    rows: tuple[SupervisorRow, ...]
    totals: dict = field(default_factory=dict)  # sums of COUNTS and of schools, visited, visits
    photos: PhotoDoubts = field(default_factory=PhotoDoubts)  # 疑似重复照片 per school and per supervisor


async def assessment(session: Session, roster: Roster, period: Period, now: datetime,
                     districts: frozenset[int] | None = None) -> Assessment:
    """The 考核 of every supervisor (only those whose home district is in `districts`, when given)."""
    since, until = period.bounds(roster.tz)  # nothing is recorded after now: no need to cut there
    today = now.astimezone(roster.tz).date()
    people = [(p, home_district(roster, p)) for p in supervisors(roster)]
    if districts is not None:
        people = [(p, d) for p, d in people if d in districts]
    ids = {p.id for p, _ in people}
    went = await _visits(session, since, until, ids)
    window = as_of.Window.of(period.first, period.last, roster, now)
    found = {pid: n for pid, n in (await as_of.finders(session, window)).items() if pid in ids}  # not withdrawn by t
    then = await roster_at(session, roster, window.t)
    late = _waiting_on(roster, then, await as_of.verify_late_at(session, roster, window.t, now))
    held = await supervision_between(session, since, until)
    verified = await _verifications(session, roster, since, until, ids)
    reports = await _reports(session, roster, period, today, people)
    schools = None if districts is None else {s.id for s in roster.schools.values() if s.district_id in districts}
    doubts = await photo_doubts.count(session, roster, since, until, schools)
    rows = []
    for person, district_id in sorted(people, key=lambda pd: (pd[1] is None, pd[1] or 0, pd[0].id)):
        rows.append(_row(roster, person, district_id, went.get(person.id, {}), found.get(person.id, 0),
                         verified.get(person.id, (0, 0)), reports.get(person.id, {}), late[person.id],
                         held.get(person.id, {})))
    totals = {k: sum(getattr(r, k) for r in rows) for k in COUNTS}
    totals.update(schools=sum(len(r.schools) for r in rows), visited=sum(r.schools_visited for r in rows),
                  visits=sum(r.visits for r in rows))
    return Assessment(county=roster.county, period=period, until=min(period.last, today),
                      verify_days=roster.policy.verify_within.n, report_due_day=roster.policy.monthly[REPORT].due_day,
                      rows=tuple(rows), totals=totals, photos=doubts)


def _waiting_on(roster: Roster, then: RosterAt, waiting: list[as_of.Live]) -> Counter:
    """Person → the 验收超期 findings waiting on them: the finder's while active, else the school's supervisors'
    (whom the verification reminder chases, reminders/verify.py)."""
    out: Counter = Counter()
    for f in waiting:
        finder = roster.people.get(f.finder_id)
        if finder is not None and finder.active and finder.role == "督学":
            out[finder.id] += 1
        else:
            for person_id in then.supervisors_of(f.school_id):
                out[person_id] += 1
    return out


def _row(roster: Roster, person: PersonInfo, district_id: int | None, went: dict[int, int], findings: int,
         verified: tuple[int, int], reports: dict[str, int], verify_late: int, held: dict) -> SupervisorRow:
    """`held`: the schools they held during the period (a supervisor reassigned mid-term has both)."""
    assigned = sorted((roster.schools[s] for s in held if s in roster.schools), key=lambda s: s.id)
    by_school = sorted(((roster.schools[s].name, n) for s, n in went.items() if s in roster.schools),
                       key=lambda sn: (-sn[1], sn[0]))
    district = roster.districts.get(district_id) if district_id is not None else None
    return SupervisorRow(
        person_id=person.id, name=person.name, district=district.name if district else "",
        schools=tuple(s.name for s in assigned), visits_by_school=tuple(by_school),
        unvisited=tuple(s.name for s in assigned if not went.get(s.id)), findings=findings,
        verifications=verified[0], verified_on_time=verified[1], verify_late=verify_late, **reports)


async def _visits(session: Session, since: datetime, until: datetime, ids: set[int]
                  ) -> dict[int, dict[int, int]]:
    """Person → school → visits (到校) in [since, until)."""
    V = m.Visit
    q = select(V.person_id, V.school_id, func.count()).where(V.at >= since, V.at < until) \
        .group_by(V.person_id, V.school_id)
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, school_id, n in (await session.execute(q)).all():
        if person_id in ids:
            out[person_id][school_id] = n
    return out


async def _verifications(session: Session, roster: Roster, since: datetime, until: datetime, ids: set[int]
                         ) -> dict[int, tuple[int, int]]:
    """Person → (verifications in [since, until), of which on time): each with the rectification report it
    answers, the latest #整改 of the same finding before it. Two reads — the period's verifications (by kind and
    time), then the reports of the findings they verified (by finding) — matched here."""
    E = m.FindingEvent.__table__.c
    verified = (select(E.finding_id, E.id, E.actor_id, E.at)
                .where(E.kind.in_((ledger.VERIFY_PASS, ledger.VERIFY_FAIL)), E.at >= since, E.at < until))
    rows = [r for r in (await session.execute(verified)).all() if r.actor_id in ids]
    findings = select(E.finding_id).where(E.kind.in_((ledger.VERIFY_PASS, ledger.VERIFY_FAIL)), E.at >= since,
                                          E.at < until)
    reports: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    if rows:  # kind || '': the reports are found by their finding, never by kind (every report ever made)
        q = select(E.finding_id, E.id, E.at).where(E.finding_id.in_(findings.scalar_subquery()),
                                                   E.kind.concat("") == ledger.RECTIFY)
        for finding_id, event_id, at in (await session.execute(q)).all():
            reports[finding_id].append((event_id, at))
    n = roster.policy.verify_within.n
    latest: dict[date, date] = {}  # report day → the last day a verification is on time
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for finding_id, event_id, actor_id, at in rows:
        out[actor_id][0] += 1
        before = [r for r in reports.get(finding_id, ()) if r[0] < event_id]
        if not before:  # no report before it (not possible through the closed loop): nothing to be late for
            out[actor_id][1] += 1
            continue
        day = max(before)[1].astimezone(roster.tz).date()
        if day not in latest:
            latest[day] = roster.calendar.add_workdays(day, n)
        out[actor_id][1] += at.astimezone(roster.tz).date() <= latest[day]
    return {pid: (total, on_time) for pid, (total, on_time) in out.items()}


async def _reports(session: Session, roster: Roster, period: Period, today: date,
                   people: list[tuple[PersonInfo, int | None]]) -> dict[int, dict[str, int]]:
    """Person → their 月报 counts for the months whose due day falls in the period."""
    steps = [s for s in (month_steps(roster, REPORT, start) for start in period.month_starts())
             if period.first <= s.due <= period.last]
    periods = [s.period for s in steps]
    S = m.Submission
    firsts = await session.execute(select(S.person_id, S.period, func.min(S.at)).where(
        S.kind == REPORT, S.period.in_(periods)).group_by(S.person_id, S.period)) if periods else None
    first: dict[tuple[int, str], datetime] = {}
    for person_id, month, at in (firsts.all() if firsts is not None else ()):
        first[(person_id, month)] = at
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
        ("reports_due", "reports_on_time", "reports_late", "reports_missing", "reports_excused"), 0))
    for step in steps:
        away = await leave_ends(session, step.due_day) if step.due < today else {}
        for person, _ in people:
            came = first.get((person.id, step.period))
            counts = out[person.id]
            if came is not None:
                counts["reports_due"] += 1
                on_time = came.astimezone(roster.tz).date() <= step.due
                counts["reports_on_time" if on_time else "reports_late"] += 1
            elif step.due < today:  # the due day is over and nothing came
                if person.id in away:
                    counts["reports_excused"] += 1
                else:
                    counts["reports_due"] += 1
                    counts["reports_missing"] += 1
    return out
