"""Benchmark: the roster as it stood (bot/storage/roster_history.py) on 50,000 schools, SQLite and PostgreSQL.

    python benchmarks/roster_history.py [--sqlite PATH] [--postgres URL] [--schools N] [--moved N]

Builds the bulk county (benchmarks/bulk_county.py, few findings), moves `moved` schools to another district and
hands their supervision to another supervisor a month before NOW (closed spans and new ones, as a reload would
write them), then times roster_at (before and after the change; and from a stale roster: every valid span read), supervision_between and districts_between over
the term around it — each the best of 5. Prints the figures; a script, not a test.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from bot.cli.bootstrap import open_database
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_history import districts_between, roster_at, supervision_between
from bot.storage.roster_repo import load_roster

try:
    from benchmarks.bulk_county import NOW, build, run_on_both
except ModuleNotFoundError:  # run as a script: python benchmarks/roster_history.py
    from bulk_county import NOW, build, run_on_both  # type: ignore[no-redef]

CHANGED = NOW - timedelta(days=30)


async def _move(db: Database, moved: int) -> None:
    """The first `moved` bulk schools change district and supervisor at CHANGED."""
    async with db.engine.begin() as conn:
        d, s = m.SchoolDistrictSpan, m.SupervisionSpan
        rows = (await conn.execute(select(d.school_id, d.district_id).where(d.school_id > 10_000)
                                   .order_by(d.school_id).limit(moved))).all()
        ids = [sid for sid, _ in rows]
        await conn.execute(update(d).where(d.school_id.in_(ids)).values(ends_at=CHANGED))
        await conn.execute(insert(d), [dict(school_id=sid, district_id=1, starts_at=CHANGED) for sid, _ in rows])
        links = (await conn.execute(select(s.person_id, s.school_id).where(s.school_id.in_(ids)))).all()
        await conn.execute(update(s).where(s.school_id.in_(ids)).values(ends_at=CHANGED))
        await conn.execute(insert(s), [dict(person_id=pid + 1, school_id=sid, starts_at=CHANGED) for pid, sid in links])
        # the live roster as the sync would have left it, and a new county version
        await conn.execute(update(m.School).where(m.School.id.in_(ids)).values(district_id=1))
        await conn.execute(update(m.SupervisorSchool).where(m.SupervisorSchool.school_id.in_(ids))
                           .values(person_id=m.SupervisorSchool.person_id + 1))
        await conn.execute(update(m.County).values(version=m.County.version + 1))


async def _best(make, repeat: int = 5) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await make()
        best = min(best, time.perf_counter() - started)
    return best


async def run(url: str, schools: int, moved: int) -> None:
    db = await open_database(url)
    try:
        await build(db, schools, 1_000)
        await _move(db, moved)
        since, until = NOW - timedelta(days=120), NOW
        async with db.reading() as s:
            roster = await load_roster(s)
            figures = {
                "roster_at (after the change)": await _best(lambda: roster_at(s, roster, NOW)),
                "roster_at (before the change)": await _best(lambda: roster_at(s, roster, CHANGED - timedelta(1))),
                "roster_at (a stale roster)": await _best(lambda: roster_at(s, replace(roster, version=-1), NOW)),
                "supervision_between (a term)": await _best(lambda: supervision_between(s, since, until)),
                "districts_between (a term)": await _best(lambda: districts_between(s, since, until)),
            }
            sizes = (len((await roster_at(s, roster, NOW)).schools), len(await supervision_between(s, since, until)))
        print(f"{db.engine.dialect.name}: {schools:,} bulk schools, {moved:,} moved; "
              f"{sizes[0]:,} schools at NOW, {sizes[1]:,} supervisors over the term")
        for label, seconds in figures.items():
            print(f"  {label:32} {seconds * 1000:7.1f} ms")
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/dudao-roster-history.db"))
    parser.add_argument("--postgres", help="a PostgreSQL URL (its public schema is emptied)")
    parser.add_argument("--schools", type=int, default=50_000)
    parser.add_argument("--moved", type=int, default=500)
    args = parser.parse_args()
    run_on_both(run, str(args.sqlite), args.postgres, args.schools, args.moved)


if __name__ == "__main__":
    main()
