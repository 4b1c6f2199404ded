"""Benchmark: the reminder sweep on 50,000 schools and 1,000,000 findings, on SQLite and on PostgreSQL.

    python benchmarks/reminder_sweep.py [--sqlite PATH] [--postgres URL] [--schools N] [--findings N]

Builds each database (schema by migration, the demo county, then bulk rows: executemany on SQLite, COPY on
PostgreSQL; finding_events are not generated — no reminder or digest reads them), brings the reminders up to
date as of the previous reminder time, then times, at a reminder time (2024-06-12 09:00, the Wednesday after
the Dragon Boat holiday):
- the roster load (once per roster version; the app caches it),
- "find what is due": the SQL selections of the ladder, due-today and 待验收 rules,
- the whole sweep (every rule; notices rendered, recorded and queued), then a second sweep (nothing new),
- the weekly digest's values and render (bot.reports.weekly_digest.weekly_digest_values), when present.
Prints the figures; a script, not a test.
"""
from __future__ import annotations

import time
from datetime import datetime

from bot.app import App
from bot.cli.bootstrap import open_database
from bot.clock import VirtualClock
from bot.contract import Context
from bot.settings import Settings
from reminders import rules
from reminders.due_today import due_today
from reminders.ladder import due_steps
from reminders.verify import awaiting

try:
    from benchmarks.bulk_county import NOW, build, main_at_scale
except ModuleNotFoundError:  # run as a script: python benchmarks/reminder_sweep.py
    from bulk_county import NOW, build, main_at_scale  # type: ignore[no-redef]


async def _timed(label: str, coro, results: dict[str, float]) -> object:
    started = time.perf_counter()
    value = await coro
    results[label] = time.perf_counter() - started
    return value


async def _find_due(app: App, now: datetime) -> dict[str, int]:
    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        ctx = Context(session=s, roster=roster, now=now, renderer=app.renderer)
        steps = await due_steps(ctx)
        counts = {f"ladder step {k}": len(found) for k, found in steps}
        counts["due today"] = len(await due_today(ctx))
        counts["awaiting verification"] = len(await awaiting(ctx))
        return counts


def _timed_rules(results: dict[str, float]) -> list:
    """The sweep's rules, each timed (the sweep runs them in order in one transaction)."""
    def wrap(rule):
        async def timed(ctx: Context):
            return await _timed(f"  rule {rule.__name__}", rule(ctx), results)
        timed.__name__ = rule.__name__
        return timed
    return [wrap(rule) for rule in rules.RULES]


async def _digest(app: App, now: datetime) -> str | None:
    try:
        from bot.reports.weekly_digest import WEEKLY_TEMPLATE, weekly_digest_values
    except ImportError:
        return None
    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        return app.renderer.render(WEEKLY_TEMPLATE, **await weekly_digest_values(s, roster, now))


async def run(url: str, schools: int, findings: int) -> None:
    print(f"\n== {url.split('://')[0]}: {schools:,} schools, {findings:,} findings")
    results: dict[str, float] = {}
    db = await _timed("build database", _build(url, schools, findings), results)
    clock = VirtualClock(NOW)
    app = App(Settings(database_url=url, _env_file=None), clock, db)
    await _timed("roster load (cached after)", app.current_roster(), results)
    counts = await _timed("find what is due (cold)", _find_due(app, NOW), results)
    await _timed("find what is due", _find_due(app, NOW), results)
    original = rules.RULES
    rules.RULES = _timed_rules(results)
    try:
        queued = await _timed("whole sweep (first at 09:00)", app.sweep(NOW), results)
        again = await _timed("whole sweep (again, nothing new)", app.sweep(NOW), results)
    finally:
        rules.RULES = original
    digest = await _timed("weekly digest values + render", _digest(app, NOW), results)
    await db.dispose()
    print("due now:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"notices queued: first sweep {queued}, second {again}")
    for label, seconds in results.items():
        print(f"{label:<40} {seconds * 1000:10.1f} ms")
    if digest is None:
        print("weekly digest: bot.reports.weekly_digest.weekly_digest_values not present")
    else:
        print(f"weekly digest: {len(digest)} characters")


async def _build(url: str, schools: int, findings: int):
    db = await open_database(url)
    await build(db, schools, findings)
    return db


def main() -> None:
    main_at_scale(run, __doc__, "dudao-bench")


if __name__ == "__main__":
    main()
