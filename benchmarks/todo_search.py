"""Benchmark: the desk's 我的待办 (/todo) and the ledger's search at 1,000,000 findings in one county.

    python benchmarks/todo_search.py [--url URL] [--findings N] [--runs N] [--reuse]

A county as one is: the demo county's 16 schools and 3 districts plus 284 schools in 3 more (300 schools, 6
districts, ~35 supervisors, a principal each), --findings findings spread over about three years
(benchmarks/bulk_county.py: most closed, about 4 % active), and their history as the chat writes it: a 整改情况
(a rectification report, with its note) for every finding reported, verifications refused, extension requests
waiting, appeals, and the month's reports. Bulk-inserted (executemany on SQLite, COPY on PostgreSQL). The default
database is a SQLite file (/tmp/dudao-bench-todo.db, recreated unless --reuse); --url names another, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/dudao_bench_todo (its public schema is recreated).

Then the real desk app (bot.web.desk.create_app, through httpx's ASGI transport in this process) is asked, as the
office, a district lead, a supervisor and a principal, for /todo and for the ledger searched by 编号, by school
and by words (of a description, of a 整改情况; rare and common), --runs times each after one warm-up; it prints p50
and p95 in milliseconds. A script, not a test (tests/web/test_todo_search_script.py runs it small).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks import bulk_county  # noqa: E402
from benchmarks.bulk_county import NOW, _bulk, _insert, reset_postgres  # noqa: E402
from bot.cli.bootstrap import open_database  # noqa: E402
from bot.clock import VirtualClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import models as m  # noqa: E402
from bot.storage.engine import Database  # noqa: E402
from bot.web.accounts import set_password  # noqa: E402
from bot.web.desk import create_app  # noqa: E402

DEFAULT_SQLITE = "/tmp/dudao-bench-todo.db"
SCHOOLS = 284  # added to the demo county's 16
PASSWORD = "bench-todo-pass"
EVENT_COLUMNS = ["id", "finding_id", "kind", "actor_id", "at", "message_id", "raw_text", "data"]
NOTE_EVERY = 997  # one finding in this many has a note with a rare word (整改说明<number>)


def _events(path_rows: list[tuple], rng: random.Random) -> Iterator[tuple]:
    """The history the chat would have written for the findings (id, number, school, status, finder, created,
    rectified): a 整改 report for each one reported, a refused verification before it for some, extension requests
    on some open ones."""
    event_id = 0
    for fid, number, _school, status, finder, created, rectified in path_rows:
        if status == "open" and rng.random() < 0.05:  # refused once, 需重新整改
            event_id += 1
            at = created + timedelta(days=2)
            note = f"已整改 整改说明{number}" if number % NOTE_EVERY == 0 else "已清理通道并张贴标识"
            yield (event_id, fid, "rectified", None, at, None, f"#整改 Q{number} {note}",
                   json.dumps({"note": note, "room": None}, ensure_ascii=False))
            event_id += 1
            yield (event_id, fid, "verify_failed", finder, at + timedelta(days=1), None, f"#验收 Q{number} 不通过",
                   json.dumps({"reason": "仍有杂物"}, ensure_ascii=False))
        elif status == "open" and rng.random() < 0.01:
            event_id += 1
            yield (event_id, fid, "extension_requested", None, created + timedelta(days=3), None,
                   f"#申请延期 Q{number} 5天", json.dumps({"asked": "5天", "reason": "需采购"}, ensure_ascii=False))
        if rectified is not None:
            event_id += 1
            note = f"已整改 整改说明{number}" if number % NOTE_EVERY == 0 else "已清理通道并张贴标识"
            yield (event_id, fid, "rectified", None, rectified, None, f"#整改 Q{number} {note}",
                   json.dumps({"note": note, "room": None}, ensure_ascii=False))


async def build(db: Database, findings: int) -> None:
    bulk_county.EXTRA_DISTRICTS = 3  # a county of 6 districts, not the 50 of the ledger benchmark
    await bulk_county.build(db, SCHOOLS, findings)
    rng = random.Random(24)
    async with db.engine.begin() as conn:
        rows = (await conn.execute(select(m.Finding.id, m.Finding.number, m.Finding.school_id, m.Finding.status,
                                          m.Finding.finder_id, m.Finding.created_at, m.Finding.rectified_at)
                                   .order_by(m.Finding.id))).all()
        await _bulk(conn, "finding_events", EVENT_COLUMNS, _events([tuple(r) for r in rows], rng))
        appealed = [r.id for r in rows if r.status == "open"][::200]
        for i in range(0, len(appealed), 500):
            await conn.execute(m.Finding.__table__.update().where(m.Finding.id.in_(appealed[i:i + 500]))
                               .values(appealed_at=NOW - timedelta(days=2)))
        schools = list(await conn.scalars(select(m.School.id).order_by(m.School.id)))
        principals = dict((await conn.execute(select(m.Person.school_id, m.Person.id)
                                              .where(m.Person.school_id.is_not(None)))).all())
        await _insert(conn, m.Submission, [dict(kind="自查", period="2024-06", person_id=principals[sid], school_id=sid,
                                                district_id=None, text=f"六月自查：{sid} 校园安全排查完成", data={},
                                                at=NOW - timedelta(days=rng.randint(1, 5)), message_id=None)
                                           for sid in schools[::3] if sid in principals])
    postgres = db.engine.dialect.name == "postgresql"
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))


async def _people(db: Database) -> dict[str, str]:
    """Desk logins for an office member, a district lead, a supervisor and a principal (role → username)."""
    async with db.transaction() as s:
        lead = await s.scalar(select(m.DistrictLead.person_id).where(m.DistrictLead.district_id == 1001))
        supervisor = await s.scalar(select(m.SupervisorSchool.person_id).where(m.SupervisorSchool.person_id != lead)
                                    .where(m.SupervisorSchool.person_id > 200_000).limit(1))
        principal = await s.scalar(select(m.Person.id).where(m.Person.school_id == 10_100))
        out = {}
        for role, key in (("督导室", "p-liu"), ("责任区负责人", None), ("督学", None), ("校长", None)):
            person_id = {"责任区负责人": lead, "督学": supervisor, "校长": principal}.get(role)
            person = await s.scalar(select(m.Person).where(m.Person.key == key) if key else
                                    select(m.Person).where(m.Person.id == person_id))
            await set_password(s, person, PASSWORD, NOW)
            out[role] = person.key
    return out


def _cases(findings: int) -> list[tuple[str, str, dict[str, str], str]]:
    """(label, path, query, a text the answer must hold)."""
    rare = max(NOTE_EVERY, (findings // 2) // NOTE_EVERY * NOTE_EVERY)
    return [
        ("我的待办", "/todo", {}, "我的待办"),
        ("搜索 编号 Q号", "/ledger", {"q": f"Q{findings // 2}"}, f"Q{findings // 2}"),
        ("搜索 编号 全角数字", "/ledger", {"q": "".join(chr(ord(c) + 0xFEE0) for c in str(findings // 3))},
         f"Q{findings // 3}</a>"),
        ("搜索 学校名称", "/ledger", {"q": "基准学校10100"}, "基准学校10100"),
        ("搜索 描述文字（罕见）", "/ledger", {"q": f"基准问题{findings // 2 + 1} "}, "共 1 条"),
        ("搜索 描述文字（常见）", "/ledger", {"q": "消防"}, "共 超过 10000 条" if findings > 10_000 else "共 "),
        ("搜索 整改情况（罕见）", "/ledger", {"q": f"整改说明{rare}"}, "共 "),
        ("搜索 整改情况（常见）", "/ledger", {"q": "张贴标识"}, "共 "),
        ("搜索 不存在的学校", "/ledger", {"q": "基准不存在中学"}, "没有找到学校"),
    ]


async def _login(client: httpx.AsyncClient, username: str) -> None:
    form = (await client.get("/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = await client.post("/login", data=dict(csrf=csrf, username=username, password=PASSWORD, next="/todo"))
    assert answer.status_code == 303, answer.text[:300]


def _percentile(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def measure(url: str, findings: int, runs: int, reuse: bool) -> dict[tuple[str, str], tuple[float, float]]:
    """Build (unless `reuse`) and time every case for every role: (case, role) → (p50, p95) in ms."""
    started = time.perf_counter()
    if not reuse:
        if url.startswith("postgresql"):
            await reset_postgres(url)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
    db = await open_database(url)
    results: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        if not reuse:
            await build(db, findings)
        else:  # statistics of whatever index a migration added since (a deployment's own ANALYZE would see it)
            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE"))
        people = await _people(db)
        print(f"{db.dialect}: {'reused' if reuse else 'built'} in {time.perf_counter() - started:.0f} s "
              f"({findings:,} findings)", flush=True)
        app = create_app(Settings(database_url=url, _env_file=None), db, VirtualClock(NOW))
        for role, username in people.items():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
                await _login(client, username)
                for label, path, params, expected in _cases(findings):
                    if role != "督导室" and path != "/todo":
                        continue  # the searches are timed as the office (the whole county); the others see less
                    times = []
                    for run in range(runs + 1):
                        t0 = time.perf_counter()
                        answer = await client.get(path, params=params)
                        assert answer.status_code == 200 and expected in answer.text, (label, role, answer.text[:300])
                        if run:  # the first is a warm-up
                            times.append((time.perf_counter() - t0) * 1000)
                    results[(label, role)] = (statistics.median(times), _percentile(times, 0.95))
                    print(f"{role:<8}{label:<24}p50 {results[(label, role)][0]:8.1f} ms   "
                          f"p95 {results[(label, role)][1]:8.1f} ms", flush=True)
    finally:
        await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE}")
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    args = parser.parse_args()
    if args.url.startswith("postgresql") and make_url(args.url).database in ("test", "postgres"):
        parser.error("use a database of the benchmark's own (its schema is recreated)")
    asyncio.run(measure(args.url, args.findings, args.runs, args.reuse))


if __name__ == "__main__":
    main()
