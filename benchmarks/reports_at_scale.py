"""Benchmark: the month's 通报 and the term's 考核 on 50,000 schools and 1,000,000 findings, SQLite and PostgreSQL.

    python benchmarks/reports_at_scale.py [--sqlite PATH] [--postgres URL] [--schools N] [--findings N]

Builds each database as benchmarks/reminder_sweep.py does (benchmarks/bulk_county.py), then gives every finding
the events a real ledger would hold (录入, 报告整改, 验收通过 or 撤销: some 3,000,000 rows), so the as-of reader
folds real histories and the 考核 finds a period's verifications among all of them. At 2024-06-12 09:00 it times:
- the previous month's 通报 (a past period: as of 2024-05-31 24:00): the chat draft's values and render, and the Word
  document (values + docx);
- this month's 通报 so far (as of now);
- the term's 考核 (2024年春季学期, 2024-02-26 to now) and its workbook;
- #统计 for the whole county (every finding, as of now).
Target (the reports issue): each under 2 s. Prints the figures; a script, not a test.
"""
from __future__ import annotations

import io
import time
from datetime import date

from sqlalchemy import text

from bot.app import App
from bot.clock import VirtualClock
from bot.parsing.periods import Period
from bot.reports import as_of
from bot.reports.assessment import assessment
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.bulletin_doc import bulletin_doc_values, write_bulletin_doc
from bot.settings import Settings

try:
    from benchmarks.bulk_county import NOW, build, main_at_scale
    from benchmarks.reminder_sweep import _build
except ModuleNotFoundError:  # run as a script
    from bulk_county import NOW, build, main_at_scale  # type: ignore[no-redef]
    from reminder_sweep import _build  # type: ignore[no-redef]

TERM = Period(date(2024, 2, 26), date(2024, 7, 14), "2024年春季学期", "2024年春季学期", "term")
__all__ = ["build"]


async def _histories(db, postgres: bool) -> int:  # noqa: ANN001 — a bot.storage Database
    """录入 / 报告整改 / 验收通过 / 撤销 events for every finding, at the times its row says."""
    data = "CAST(:data AS JSON)" if postgres else ":data"
    kinds = [("created", "created_at", "1 = 1"), ("rectified", "rectified_at", "rectified_at IS NOT NULL"),
             ("verify_passed", "closed_at", "status = 'closed'"), ("withdrawn", "closed_at", "status = 'withdrawn'")]
    async with db.engine.begin() as conn:
        for kind, column, where in kinds:
            await conn.execute(text(
                f"INSERT INTO finding_events (finding_id, kind, actor_id, at, message_id, raw_text, data) "
                f"SELECT id, '{kind}', NULL, {column}, NULL, '', {data} FROM findings "
                f"WHERE {where}"), {"data": "{}"})
        count = await conn.scalar(text("SELECT count(*) FROM finding_events"))
    if postgres:  # what autovacuum does on a live server after a bulk load: the planner's statistics
        async with db.engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    return count


async def _timed(label: str, coro, results: dict[str, float]) -> object:  # noqa: ANN001
    started = time.perf_counter()
    value = await coro
    results[label] = time.perf_counter() - started
    return value


async def _bulletin(app: App, month: date) -> int:
    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        return len(app.renderer.render(BULLETIN_TEMPLATE, **await bulletin_values(s, roster, NOW, month)))


async def _document(app: App, month: date) -> int:
    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        values = await bulletin_doc_values(s, roster, NOW, month)
    out = io.BytesIO()
    write_bulletin_doc(values, out)
    return len(out.getvalue())


async def _assessment(app: App) -> int:
    from bot.reports.assessment_book import write_assessment

    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        found = await assessment(s, roster, TERM, NOW)
    write_assessment(found, io.BytesIO(), NOW.astimezone(roster.tz))
    return len(found.rows)


async def _stats(app: App) -> int:
    async with app.db.reading() as s:
        roster, _ = await app.rosters.get(s)
        tally = await as_of.tally(s, roster, as_of.Window.ever(NOW), NOW)
    return sum(r["new"] for r in tally.schools.values())


async def run(url: str, schools: int, findings: int) -> None:
    print(f"\n== {url.split('://')[0]}: {schools:,} schools, {findings:,} findings")
    results: dict[str, float] = {}
    db = await _timed("build database", _build(url, schools, findings), results)
    events = await _timed("events of every finding", _histories(db, url.startswith("postgresql")), results)
    app = App(Settings(database_url=url, _env_file=None), VirtualClock(NOW), db)
    await app.current_roster()
    for _ in range(2):  # cold, then warm
        await _timed("May 通报: chat draft (values + render)", _bulletin(app, date(2024, 5, 1)), results)
        await _timed("May 通报: Word document", _document(app, date(2024, 5, 1)), results)
        await _timed("June 通报 so far: chat draft", _bulletin(app, date(2024, 6, 1)), results)
        people = await _timed("spring term 考核 + workbook", _assessment(app), results)
        total = await _timed("#统计, whole county", _stats(app), results)
        print(f"({events:,} events; {people:,} supervisors appraised; {total:,} findings counted)")
        for label, seconds in results.items():
            print(f"{label:<45} {seconds * 1000:10.1f} ms")
    await db.dispose()


def main() -> None:
    main_at_scale(run, __doc__, "dudao-reports")


if __name__ == "__main__":
    main()
