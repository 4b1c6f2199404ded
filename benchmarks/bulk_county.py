"""A big county for the benchmarks: the demo county plus N schools, their people and rooms, M findings (most
closed, about 4 % active), and the reminders already sent as of the previous reminder time — bulk-inserted
(COPY on PostgreSQL, executemany of stored values on SQLite), deterministic (a seeded random generator)."""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.cli.bootstrap import demo_county_path, load_county
from bot.clock import VirtualClock
from bot.county.policy import Policy
from bot.domain.calendar import WorkCalendar
from bot.domain.escalation import due_reminder_day, latest_due_reaching_step, step_day
from bot.ledger.lifecycle import deadline_instant
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_history import HISTORY_START

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.fromisoformat("2024-06-12T09:00:00+08:00")  # Wednesday after the Dragon Boat holiday (6-10)
PREVIOUS = datetime.fromisoformat("2024-06-11T09:00:00+08:00")  # reminders up to date as of this sweep
EXTRA_DISTRICTS, SCHOOLS_PER_SUPERVISOR, SCHOOL_ROOM_EVERY = 47, 10, 5
BATCH = 50_000
CAL, POLICY = WorkCalendar(), Policy()
FINDING_COLUMNS = ["id", "number", "school_id", "category", "severity", "description", "status",
                   "deadline_at", "due_date", "finder_id", "room_chat_id", "created_at", "updated_at",
                   "rectified_at", "closed_at"]
SENT_COLUMNS = ["key", "kind", "finding_id", "step", "skipped", "at"]


async def reset_postgres(url: str) -> None:
    """Create the benchmark database if missing; empty its public schema."""
    server = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with server.connect() as conn:
        name = make_url(url).database
        if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await server.dispose()
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def build(db: Database, schools: int, findings: int) -> None:
    await load_county(db, demo_county_path(), VirtualClock(PREVIOUS - timedelta(days=400)))
    rng = random.Random(20240612)
    async with db.engine.begin() as conn:
        school_ids, supervisor_of = await _roster(conn, schools)
        sent: list[tuple] = []
        rows = _reminded(_findings(rng, findings, school_ids, supervisor_of), sent)
        await _bulk(conn, "findings", FINDING_COLUMNS, rows)
        await _bulk(conn, "reminders_sent", SENT_COLUMNS, iter(sent))
        await _extras(conn, rng, school_ids, supervisor_of)
        await conn.execute(update(m.County.__table__).values(version=m.County.version + 1))
    postgres = db.engine.dialect.name == "postgresql"
    async with db.engine.connect() as conn:  # statistics; the visibility map, as autovacuum keeps it
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))


async def _roster(conn: AsyncConnection, schools: int) -> tuple[list[int], dict[int, int]]:
    """Districts, schools, a principal per school, a supervisor per 10 schools, leads and rooms."""
    districts = [1001 + i for i in range(EXTRA_DISTRICTS)]
    await _insert(conn, m.District, [dict(id=d, name=f"基准第{d}责任区", active=True) for d in districts])
    all_districts = [*(await conn.scalars(text("SELECT id FROM districts WHERE id < 1000"))), *districts]
    school_ids = [10_001 + n for n in range(schools)]
    await _insert(conn, m.School, [dict(id=sid, name=f"基准学校{sid}", short_names=[], type="小学", active=True,
                                        district_id=all_districts[n % len(all_districts)])
                                   for n, sid in enumerate(school_ids)])
    supervisor_of = {sid: 200_001 + n // SCHOOLS_PER_SUPERVISOR for n, sid in enumerate(school_ids)}
    people = [dict(id=100_000 + sid, key=f"bp-{sid}", name=f"校长{sid}", role="校长", chat_id=f"wx_bp_{sid}",
                   school_id=sid, active=True) for sid in school_ids]
    people += [dict(id=pid, key=f"bs-{pid}", name=f"督学{pid}", role="督学", chat_id=f"wx_bs_{pid}",
                    school_id=None, active=True) for pid in sorted(set(supervisor_of.values()))]
    await _insert(conn, m.Person, people)
    assigned = [dict(person_id=p, school_id=s) for s, p in supervisor_of.items()]
    await _insert(conn, m.SupervisorSchool, assigned)
    # their history, as the county sync would have written it: there all along
    await _insert(conn, m.SchoolDistrictSpan, [dict(school_id=sid, district_id=all_districts[n % len(all_districts)],
                                                    starts_at=HISTORY_START, ends_at=None)
                                               for n, sid in enumerate(school_ids)])
    await _insert(conn, m.SupervisionSpan, [dict(**link, starts_at=HISTORY_START, ends_at=None) for link in assigned])
    leads = [dict(district_id=d, person_id=200_001 + i) for i, d in enumerate(districts)]
    await _insert(conn, m.DistrictLead, leads)
    rooms = [dict(chat_id=f"room-bd{d}@chatroom", name=f"基准第{d}责任区群", scope="district", district_id=d,
                  school_id=None, source="file", active=True) for d in districts]
    rooms += [dict(chat_id=f"room-bs{sid}@chatroom", name=f"基准学校{sid}群", scope="school", district_id=None,
                   school_id=sid, source="file", active=True) for sid in school_ids[::SCHOOL_ROOM_EVERY]]
    await _insert(conn, m.Room, rooms)
    return school_ids, supervisor_of


def _findings(rng: random.Random, n: int, school_ids: list[int],
              supervisor_of: dict[int, int]) -> Iterator[tuple]:
    today = NOW.astimezone(TZ).date()
    for i in range(1, n + 1):
        school = school_ids[rng.randrange(len(school_ids))]
        r = rng.random()
        status = "open" if r < 0.03 else "rectified" if r < 0.04 else "withdrawn" if r < 0.08 else "closed"
        active = status in ("open", "rectified")
        due = today + timedelta(days=rng.randint(-120, 20) if active else -rng.randint(0, 1000))
        created = datetime.combine(due - timedelta(days=10), time(10), TZ).astimezone(UTC)
        rectified = (NOW - timedelta(days=rng.uniform(0.5, 30)) if status == "rectified"
                     else created + timedelta(days=5) if status == "closed" else None)
        closed = created + timedelta(days=rng.randint(6, 20)) if not active else None
        yield (i, i, school, "安全稳定", "一般", f"基准问题{i} 消防通道堆放杂物", status, deadline_instant(due, TZ), due,
               supervisor_of[school], None, created, closed or rectified or created, rectified, closed)


@cache
def _steps_reached(due: date, through: date) -> int:
    """How many ladder steps of a finding due `due` were due by `through`."""
    return sum(step_day(due, s.after, CAL) <= through for s in POLICY.overdue_ladder)


def _reminded(rows: Iterator[tuple], sent: list[tuple]) -> Iterator[tuple]:
    """Pass the findings through, collecting the reminders already sent for them as of PREVIOUS."""
    through = PREVIOUS.astimezone(TZ).date()
    verified_by = latest_due_reaching_step(through, POLICY.verify_within.n, CAL)
    history = random.Random(7)
    for row in rows:
        fid, status, due, created, rectified = row[0], row[6], row[8], row[11], row[13]
        if status == "open":
            sent.extend((f"ladder:{fid}:{due.isoformat()}:{k}", "ladder", fid, k, False, PREVIOUS)
                        for k in range(_steps_reached(due, through)))
            if due_reminder_day(due, CAL) <= through:
                sent.append((f"due:{fid}:{due.isoformat()}", "due", fid, None, False, PREVIOUS))
        elif status == "rectified" and rectified.astimezone(TZ).date() <= verified_by:
            sent.append((f"verify:{fid}:{rectified:%Y%m%dT%H%M%S%f}", "verify", fid, None, False, PREVIOUS))
        elif status == "closed" and history.random() < 0.3:  # the history of closed findings
            at = created + timedelta(days=9)
            sent.append((f"due:{fid}:{due.isoformat()}", "due", fid, None, False, at))
        yield row


async def _extras(conn: AsyncConnection, rng: random.Random, school_ids: list[int],
                  supervisor_of: dict[int, int]) -> None:
    """Visits in the last month (the digest counts them) and a few people on leave today."""
    visits = []
    for i in range(20_000):
        sid = school_ids[rng.randrange(len(school_ids))]
        visits.append(dict(id=1_000_000 + i, person_id=supervisor_of[sid], school_id=sid, note="到校检查",
                           at=NOW - timedelta(days=rng.uniform(0, 30)), message_id=None))
    await _insert(conn, m.Visit, visits)
    await _insert(conn, m.Leave, [dict(person_id=100_000 + sid, starts=NOW.date() - timedelta(days=2),
                                       ends=NOW.date() + timedelta(days=2), created_by=None, at=PREVIOUS,
                                       message_id=None) for sid in school_ids[:200:4]])


async def _insert(conn: AsyncConnection, model: type, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        await conn.execute(insert(model.__table__), rows[i:i + BATCH])


async def _bulk(conn: AsyncConnection, table: str, columns: Sequence[str], rows: Iterator[tuple]) -> None:
    """The big tables: COPY on PostgreSQL; on SQLite, executemany of the values as SQLAlchemy stores them."""
    raw = (await conn.get_raw_connection()).driver_connection if conn.dialect.name == "postgresql" else None
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch: list[tuple] = []
    for row in rows:
        batch.append(row if raw is not None else tuple(_stored(v) for v in row))
        if len(batch) == BATCH:
            await _flush(conn, raw, table, columns, sql, batch)
            batch = []
    if batch:
        await _flush(conn, raw, table, columns, sql, batch)


async def _flush(conn: AsyncConnection, raw: object, table: str, columns: Sequence[str], sql: str,
                 batch: list[tuple]) -> None:
    if raw is not None:
        await raw.copy_records_to_table(table, records=batch, columns=list(columns))
    else:
        await conn.exec_driver_sql(sql, batch)


def _stored(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def run_on_both(run, sqlite: str | None, postgres: str | None, *args: object) -> None:  # noqa: ANN001 — async fn
    """Run a benchmark's `run(url, *args)` on a fresh SQLite file (its WAL files too) and on a PostgreSQL database
    whose public schema is emptied first; '' or None skips either."""
    import asyncio
    from pathlib import Path

    if sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
        asyncio.run(run(f"sqlite+aiosqlite:///{sqlite}", *args))
    if postgres:
        asyncio.run(reset_postgres(postgres))
        asyncio.run(run(postgres, *args))


def main_at_scale(run, doc: str, name: str) -> None:  # noqa: ANN001 — an async run(url, schools, findings)
    """The command line of a benchmark at county scale: --sqlite PATH, --postgres URL (database `name`), --schools N,
    --findings N; then `run` on both."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--sqlite", default=f"/tmp/{name}.db", help="SQLite file (recreated); '' to skip")
    ap.add_argument("--postgres", default=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name.replace('-', '_')}",
                    help="PostgreSQL URL (created if missing; its public schema is recreated); '' to skip")
    ap.add_argument("--schools", type=int, default=50_000)
    ap.add_argument("--findings", type=int, default=1_000_000)
    args = ap.parse_args()
    run_on_both(run, args.sqlite, args.postgres, args.schools, args.findings)
