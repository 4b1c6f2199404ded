"""Authenticity hints on a finding's photos (issue #25 item 3) — hints for the person who verifies, never refusals:
a photo that is the same as (or nearly the same as) one attached to another finding, the same as (or nearly the same
as) this finding's own 问题照片 (a "rectified" scene that is the problem's own picture) or its earlier report's
photos, or taken (EXIF 拍摄时间) before the finding was logged.

A look-up finds candidates through the four indexed 16-bit bands of the dHash (and the sha256 index for exact
copies), then keeps those within photo_hash.NEAR_BITS: milliseconds at 100,000 photos (benchmarks/photo_lookup.py).
Who may be named is the caller's decision (the hint carries the other finding's school).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from bot.ledger import photo_hash
from bot.ledger.evidence import PROBLEM_EVENTS
from bot.storage import models as m
from bot.storage.session import Session

OTHER, PROBLEM, OWN, EARLY = "other", "problem", "own", "early"


@dataclass(frozen=True)
class Hint:
    photo_id: int
    kind: str  # OTHER: another finding's photo; PROBLEM: this finding's 问题照片; OWN: this finding's earlier
    # report's photo; EARLY: taken before logged
    exact: bool = False  # the very same file (sha256), not only nearly the same picture
    other_number: int | None = None  # OTHER: the other finding's number and school (to name it or not)
    other_school_id: int | None = None
    taken_at: datetime | None = None  # EARLY: the camera's time


async def similar(session: Session, photo: m.Evidence, *, limit: int = 200) -> list[tuple[m.Evidence, bool]]:
    """Stored photos that are the same file or within NEAR_BITS of `photo` (other rows only), with `exact`."""
    cond = [m.Evidence.sha256 == photo.sha256]
    if photo.phash is not None:
        b = photo_hash.bands(photo.phash)
        cond += [m.Evidence.phash_b0 == b[0], m.Evidence.phash_b1 == b[1], m.Evidence.phash_b2 == b[2],
                 m.Evidence.phash_b3 == b[3]]
    rows = await session.scalars(select(m.Evidence).where(or_(*cond), m.Evidence.id != photo.id).limit(limit))
    found = []
    for row in rows:
        exact = row.sha256 == photo.sha256
        if exact or (photo.phash is not None and row.phash is not None
                     and photo_hash.distance(photo.phash, row.phash) <= photo_hash.NEAR_BITS):
            found.append((row, exact))
    return found


async def _problem_events(session: Session, finding: m.Finding) -> set[int]:
    """The ids of the events whose photos are this finding's 问题照片 (bot.ledger.evidence.PROBLEM_EVENTS)."""
    return set(await session.scalars(select(m.FindingEvent.id).where(
        m.FindingEvent.finding_id == finding.id, m.FindingEvent.kind.in_(PROBLEM_EVENTS))))


async def hints_for(session: Session, finding: m.Finding, photos: Iterable[m.Evidence]) -> list[Hint]:
    """Every hint on `photos` (this finding's), one a photo and kind; another finding named once a photo."""
    out: list[Hint] = []
    problem_ids = await _problem_events(session, finding)
    for photo in photos:
        if photo.taken_at is not None and photo.taken_at < finding.created_at:
            out.append(Hint(photo.id, EARLY, taken_at=photo.taken_at))
        others: dict[int, bool] = {}
        own: dict[str, bool] = {}  # PROBLEM / OWN: exact?
        for row, exact in await similar(session, photo):
            if row.finding_id is None:
                continue  # a photo not (yet) attached to anything proves nothing either way
            if row.finding_id == finding.id:
                if row.event_id != photo.event_id and row.id < photo.id:
                    kind = PROBLEM if row.event_id in problem_ids else OWN
                    own[kind] = own.get(kind, False) or exact
            else:
                others[row.finding_id] = others.get(row.finding_id, False) or exact
        # a photo like the problem's own is said so (the stronger doubt), not also like an earlier report's
        for kind in (PROBLEM,) if PROBLEM in own else (OWN,) if OWN in own else ():
            out.append(Hint(photo.id, kind, exact=own[kind]))
        for finding_id, exact in sorted(others.items()):
            other = await session.get(m.Finding, finding_id)
            if other is not None:
                out.append(Hint(photo.id, OTHER, exact=exact, other_number=other.number,
                                other_school_id=other.school_id))
    return out
