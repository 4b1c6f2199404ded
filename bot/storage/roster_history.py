"""The roster as it stood: which district a school was in and which supervisor held which school, at an instant or
over a period, read from the append-only spans the county sync writes (bot/county/sync_history.py).

A span covers [starts_at, ends_at): it is valid at t when starts_at <= t < ends_at (ends_at None: still open).
Spans starting at HISTORY_START were there before history was kept (migration 0007's backfill, or the first load
of an empty database): "as far back as we know".
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select

from bot.domain.roster import Roster, RosterAt, SchoolInfo
from bot.storage import models as m
from bot.storage.session import Session

HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
Interval = tuple[datetime, datetime]
_IN_CHUNK = 5_000  # ids a statement, well within SQLite's limit on bound parameters

Span = type[m.SchoolDistrictSpan] | type[m.SupervisionSpan]


def _valid_at(span: Span, at: datetime) -> ColumnElement[bool]:
    return and_(span.starts_at <= at, or_(span.ends_at.is_(None), span.ends_at > at))


def _overlapping(span: Span, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(span.starts_at < until, or_(span.ends_at.is_(None), span.ends_at > since))


def _clipped(span: Span, since: datetime, until: datetime) -> tuple[Any, Any]:
    """starts_at and ends_at, NULL where the span reaches past `since` or `until` (most do: nothing to decode)."""
    return (case((span.starts_at > since, span.starts_at), else_=None),
            case((span.ends_at < until, span.ends_at), else_=None))


def _piece(start: datetime | None, end: datetime | None, since: datetime, until: datetime) -> Interval | None:
    """The overlap of a span (clipped as `_clipped` answers it) with [since, until); None if empty."""
    start, end = start or since, end or until
    return (start, end) if start < end else None


def _check(*instants: datetime) -> None:
    if any(t.tzinfo is None for t in instants):
        raise ValueError("roster history needs timezone-aware instants")


async def roster_at(session: Session, roster: Roster, at: datetime) -> RosterAt:
    """The roster at `at`: every school that existed then (deactivated since or not) in its district then, and
    the schools each supervisor held then. Names are today's: from `roster` (the live snapshot) where it knows the
    school, else from the schools table.

    When `roster` is the current version (its open spans are the live roster), only the spans that differ at `at`
    are read — those ended since and those begun since, a few rows; otherwise every span valid at `at`."""
    _check(at)
    current = await session.scalar(select(m.County.version).where(m.County.id == 1)) == roster.version
    district_of, supervised = await (_changed(session, roster, at) if current else _valid(session, at))
    return RosterAt(at=at, district_of=district_of, schools=await _schools(session, roster, district_of),
                    supervised=supervised)


async def _valid(session: Session, at: datetime) -> tuple[dict[int, int], dict[int, frozenset[int]]]:
    """Every span valid at `at`."""
    d, s = m.SchoolDistrictSpan, m.SupervisionSpan
    district_of = {school_id: district_id for school_id, district_id
                   in await session.execute(select(d.school_id, d.district_id).where(_valid_at(d, at)))}
    held: dict[int, set[int]] = {}
    for person_id, school_id in await session.execute(select(s.person_id, s.school_id).where(_valid_at(s, at))):
        held.setdefault(person_id, set()).add(school_id)
    return district_of, {pid: frozenset(found) for pid, found in held.items()}


def _differing(span: Span, at: datetime) -> ColumnElement[bool]:
    """Spans valid at `at` but ended since, and open spans begun after `at`."""
    return or_(and_(span.ends_at.is_not(None), span.starts_at <= at, span.ends_at > at),
               and_(span.ends_at.is_(None), span.starts_at > at))


async def _changed(session: Session, roster: Roster,
                   at: datetime) -> tuple[dict[int, int], dict[int, frozenset[int]]]:
    """The live roster, less what began after `at`, plus what held at `at` and ended since."""
    d, s = m.SchoolDistrictSpan, m.SupervisionSpan
    district_of = {sid: school.district_id for sid, school in roster.schools.items()}
    back: dict[int, int] = {}
    for school_id, district_id, still in await session.execute(
            select(d.school_id, d.district_id, d.ends_at.is_(None)).where(_differing(d, at))):
        if still:
            district_of.pop(school_id, None)
        else:
            back[school_id] = district_id
    district_of.update(back)
    supervised = {pid: p.supervised for pid, p in roster.people.items() if p.supervised}
    later: dict[int, set[int]] = {}
    earlier: dict[int, set[int]] = {}
    for person_id, school_id, still in await session.execute(
            select(s.person_id, s.school_id, s.ends_at.is_(None)).where(_differing(s, at))):
        (later if still else earlier).setdefault(person_id, set()).add(school_id)
    for pid in later.keys() | earlier.keys():
        held = (supervised.get(pid, frozenset()) - later.get(pid, set())) | earlier.get(pid, set())
        supervised[pid] = frozenset(held)
        if not held:
            del supervised[pid]
    return district_of, supervised


async def _schools(session: Session, roster: Roster, district_of: dict[int, int]) -> dict[int, SchoolInfo]:
    known = await _schools_by_id(session, [sid for sid in district_of if sid not in roster.schools])
    schools: dict[int, SchoolInfo] = {}
    for sid, district_id in district_of.items():
        info = known.get(sid) or roster.schools[sid]
        schools[sid] = info if info.district_id == district_id else replace(info, district_id=district_id)
    return schools


async def _schools_by_id(session: Session, ids: Sequence[int]) -> dict[int, SchoolInfo]:
    """Schools the live roster does not hold (deactivated since), from the table."""
    found: dict[int, SchoolInfo] = {}
    columns = select(m.School.id, m.School.name, m.School.short_names, m.School.district_id, m.School.type)
    for i in range(0, len(ids), _IN_CHUNK):
        for sid, name, short, district_id, kind in await session.execute(
                columns.where(m.School.id.in_(ids[i:i + _IN_CHUNK]))):
            found[sid] = SchoolInfo(sid, name, tuple(short or ()), district_id, kind)
    return found


async def supervision_between(session: Session, since: datetime,
                              until: datetime) -> dict[int, dict[int, Interval]]:
    """Person id -> school id -> the part of [since, until) they held it. Held in several spans (lost and given
    back within the period), the pieces are merged into one, from the first start to the last end."""
    _check(since, until)
    span = m.SupervisionSpan
    rows = select(span.person_id, span.school_id, *_clipped(span, since, until))
    found: dict[int, dict[int, Interval]] = {}
    for person_id, school_id, start, end in await session.execute(rows.where(_overlapping(span, since, until))):
        piece = _piece(start, end, since, until)
        if piece is None:
            continue
        held = found.setdefault(person_id, {})
        before = held.get(school_id)
        held[school_id] = piece if before is None else (min(before[0], piece[0]), max(before[1], piece[1]))
    return found


async def districts_between(session: Session, since: datetime,
                            until: datetime) -> dict[int, list[tuple[int, datetime, datetime]]]:
    """School id -> its districts during [since, until): (district id, from, until), clipped to the period, in
    time order; a school absent part of the time (deactivated, not yet added) has a gap there."""
    _check(since, until)
    span = m.SchoolDistrictSpan
    rows = select(span.school_id, span.district_id, *_clipped(span, since, until))
    found: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for school_id, district_id, start, end in await session.execute(rows.where(_overlapping(span, since, until))):
        piece = _piece(start, end, since, until)
        if piece is not None:
            found.setdefault(school_id, []).append((district_id, *piece))
    for pieces in found.values():
        if len(pieces) > 1:
            pieces.sort(key=lambda p: p[1])
    return found
