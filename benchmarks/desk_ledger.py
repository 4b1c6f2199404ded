"""Benchmark: the desk's ledger page (整改台账) on 50,000 schools and 1,000,000 findings, on SQLite and PostgreSQL.

    python benchmarks/desk_ledger.py [--sqlite PATH] [--postgres URL] [--schools N] [--findings N]
                                     [--reuse] [--keep] [--runs N]

Builds each database with benchmarks/bulk_county.py (schema by migration, the demo county, bulk rows: executemany
on SQLite, COPY on PostgreSQL), gives desk logins to an office member (刘建国) and a district lead (the lead of a
district of 1,000 schools), then asks the real desk app (bot.web.desk.create_app, through httpx's ASGI transport in
this process) for the ledger's first page with each filter, and times the page's count query on its own.
Prints one table per backend: the median of --runs requests after one warm-up, in milliseconds.

--reuse keeps a database built by an earlier run (migrations still run: a new index is built on the big table);
--keep leaves the PostgreSQL database (dudao_bench_ledger by default) in place, else it is dropped at the end.
A script, not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
import unicodedata
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli.bootstrap import open_database
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.web.accounts import set_password
from bot.web.desk import create_app
from bot.web.ledger_filters import conditions, read_filters
from bot.web.viewer import Rosters, actor_of

try:
    from benchmarks.bulk_county import NOW, build, reset_postgres
except ModuleNotFoundError:  # run as a script: python benchmarks/desk_ledger.py
    from bulk_county import NOW, build, reset_postgres  # type: ignore[no-redef]

ROSTERS = Rosters()
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/dudao_bench_ledger"
PASSWORD = "bench-ledger-pass"
OFFICE, LEAD_DISTRICT = "p-liu", 1001  # bulk_county: district 1001 is led by person 200001
CASES = [
    ("第一页（无筛选）", {}),
    ("责任区", {"district": str(LEAD_DISTRICT)}),
    ("状态+颜色（待整改·黄色）", {"status": "open", "colour": "yellow"}),
    ("日期范围（一个月）", {"from": "2024-03-01", "to": "2024-03-31"}),
    ("文字（罕见）", {"q": "基准问题123457 "}),
    ("文字（常见）", {"q": "消防"}),
    ("末页（无筛选）", {"page": "999999"}),
]


async def _prepare(url: str, schools: int, findings: int, reuse: bool) -> tuple[Database, float]:
    started = time.perf_counter()
    if not reuse:
        if url.startswith("postgresql"):
            await reset_postgres(url)
        else:
            Path(make_url(url).database).unlink(missing_ok=True)
    db = await open_database(url)  # migrations (a new index is built here on a reused database)
    if not reuse:
        await build(db, schools, findings)
    async with db.transaction() as s:
        lead_id = await s.scalar(select(m.DistrictLead.person_id).where(m.DistrictLead.district_id == LEAD_DISTRICT))
        for person in await s.scalars(select(m.Person).where((m.Person.key == OFFICE) | (m.Person.id == lead_id))):
            await set_password(s, person, PASSWORD, NOW)
    return db, time.perf_counter() - started


async def _login(client: httpx.AsyncClient, username: str) -> None:
    form = (await client.get("/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = await client.post("/login", data=dict(csrf=csrf, username=username, password=PASSWORD, next="/ledger"))
    assert answer.status_code == 303, answer.text[:300]


async def _median(fn, runs: int) -> float:  # noqa: ANN001 — an async callable
    await fn()  # warm-up: caches, the roster snapshot
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _count_alone(db: Database, username: str, params: dict[str, str]) -> float:
    """The page's count (findings by status under the filters) as one query, without the rest of the page."""
    from starlette.datastructures import QueryParams

    from bot.web.viewer import Viewer

    async with db.reading() as session:
        roster = await ROSTERS.get(session)  # once: the desk keeps it while the county does not change
        account = await session.scalar(select(m.WebAccount).where(m.WebAccount.username == username))
        person = roster.people[account.person_id]
        viewer = Viewer(account.id, person, actor_of(person, roster), roster)
        f = read_filters(QueryParams(params), viewer)
        where = await conditions(session, f, viewer, NOW)
        started = time.perf_counter()
        await session.execute(select(m.Finding.status, func.count()).where(*where).group_by(m.Finding.status))
        return (time.perf_counter() - started) * 1000


async def bench(url: str, schools: int, findings: int, reuse: bool, runs: int) -> dict[str, dict[str, float]]:
    db, built = await _prepare(url, schools, findings, reuse)
    print(f"\n{db.dialect}: {'reused' if reuse else 'built'} in {built:.0f} s ({findings:,} findings, "
          f"{schools:,} schools)", flush=True)
    settings = Settings(database_url=url, _env_file=None)
    app = create_app(settings, db, VirtualClock(NOW))
    lead_key = None
    async with db.reading() as s:
        lead_key = await s.scalar(select(m.Person.key).join(m.DistrictLead, m.DistrictLead.person_id == m.Person.id)
                                  .where(m.DistrictLead.district_id == LEAD_DISTRICT))
    results: dict[str, dict[str, float]] = {}
    try:
        for who, username in (("督导室", OFFICE), ("责任区负责人", lead_key)):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
                await _login(client, username)
                for label, params in CASES:
                    async def page(params: dict[str, str] = params) -> None:
                        answer = await client.get("/ledger", params=params)
                        assert answer.status_code == 200, answer.text[:300]
                    results.setdefault(label, {})[who] = await _median(page, runs)
                for label, params in (("计数（单独，无筛选）", {}), ("计数（单独，文字罕见）", {"q": "基准问题123457 "})):
                    times = [await _count_alone(db, username, params) for _ in range(runs + 1)][1:]
                    results.setdefault(label, {})[who] = statistics.median(times)
    finally:
        await db.dispose()
    _table(db.dialect, results)
    return results


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` terminal columns (a Chinese character takes two)."""
    return text + " " * (width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text))


def _table(dialect: str, results: dict[str, dict[str, float]]) -> None:
    print(f"{_pad(dialect + ': ledger, ms (median)', 34)}{_pad('督导室', 12)}{'责任区负责人'}")
    for label, row in results.items():
        cells = "".join(_pad(f"{row.get(who, float('nan')):>8.1f}", 12) for who in ("督导室", "责任区负责人"))
        print(f"{_pad(label, 34)}{cells}", flush=True)


async def _drop_postgres(url: str) -> None:
    name = make_url(url).database
    server = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with server.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await server.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", default="/tmp/dudao-bench-ledger.db", help="SQLite file ('' to skip)")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--schools", type=int, default=50_000)
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the databases built by an earlier run")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database at the end")
    args = parser.parse_args()
    if args.postgres and make_url(args.postgres).database in ("test", "postgres"):
        parser.error("use a database of the benchmark's own (it is emptied and dropped)")
    if args.sqlite:
        await bench(f"sqlite+aiosqlite:///{args.sqlite}", args.schools, args.findings, args.reuse, args.runs)
    if args.postgres:
        try:
            await bench(args.postgres, args.schools, args.findings, args.reuse, args.runs)
        finally:
            if not args.keep:
                await _drop_postgres(args.postgres)


if __name__ == "__main__":
    asyncio.run(main())
