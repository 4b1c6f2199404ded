"""The ledger's queries at a small scale (20,000 findings over 500 schools, the benchmark's generator): on SQLite, a
district lead's page takes its numbers from the (school_id, number) index alone and the count stops at the cap; the
page says when it stopped. Plans and outcomes, not timings (benchmarks/desk_ledger.py times the big ledger)."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from benchmarks.bulk_county import NOW, build
from bot.cli.bootstrap import open_database
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.web import ledger_view
from bot.web.accounts import set_password
from bot.web.desk import create_app
from bot.web.ledger_filters import Filters, conditions
from bot.web.viewer import Rosters, Viewer, actor_of

LEAD_DISTRICT = 1001


async def _small(url: str) -> Database:
    db = await open_database(url)
    await build(db, schools=500, findings=20_000)
    return db


async def _lead_viewer(db: Database) -> Viewer:
    async with db.transaction() as s:
        lead_id = await s.scalar(select(m.DistrictLead.person_id).where(m.DistrictLead.district_id == LEAD_DISTRICT))
        person = await s.get(m.Person, lead_id)
        account = await set_password(s, person, "lead-pass-1", NOW)
        roster = await Rosters().get(s)
    info = roster.people[lead_id]
    return Viewer(account.id, info, actor_of(info, roster), roster)


def _plan(db_path: Path, statement) -> str:  # noqa: ANN001 — a Select
    import sqlite3

    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(db_path) as conn:
        return " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    path = tmp_path_factory.mktemp("ledger") / "ledger.db"
    db = asyncio.run(_small(f"sqlite+aiosqlite:///{path}"))
    yield path, db
    asyncio.run(db.dispose())


def test_a_district_leads_page_reads_its_numbers_from_the_school_number_index(ledger) -> None:  # noqa: ANN001
    path, db = ledger

    async def where() -> list:
        viewer = await _lead_viewer(db)
        assert viewer.school_ids and 10 <= len(viewer.school_ids) < 50  # the district (500 schools over 50) and own
        async with db.reading() as s:
            return await conditions(s, Filters(), viewer, NOW)

    numbers = ledger_view._page_numbers(asyncio.run(where()), 1, ledger_view._order(Filters()), join=False)
    plan = _plan(path, select(numbers.element.selected_columns[0]).select_from(numbers.element.subquery()))
    assert "USING COVERING INDEX ix_findings_school_number" in plan, plan
    page = _plan(path, select(m.Finding).where(m.Finding.number.in_(numbers)))
    assert "sqlite_autoindex_findings_1" in page and "SCAN findings" not in page.split("LIST SUBQUERY")[0], page


def test_the_count_stops_at_the_cap_and_the_page_says_so(ledger) -> None:  # noqa: ANN001
    path, db = ledger
    count = select(m.Finding.status).limit(ledger_view.COUNT_CAP + 1).subquery()
    assert "COVERING INDEX" in _plan(path, select(count.c.status)), "the count reads an index, not the table"

    async def pages() -> tuple[str, str]:
        async with db.transaction() as s:
            office = await s.scalar(select(m.Person).where(m.Person.key == "p-liu"))
            await set_password(s, office, "office-pass-1", NOW)
        app = create_app(Settings(database_url=db.url, _env_file=None), db, VirtualClock(NOW))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as client:
            csrf = re.search(r'name="csrf" value="([^"]+)"', (await client.get("/login")).text).group(1)
            await client.post("/login", data=dict(csrf=csrf, username="p-liu", password="office-pass-1"))
            everything = (await client.get("/ledger", params={"page": "100000"})).text
            one_month = (await client.get("/ledger", params={"from": "2024-03-01", "to": "2024-03-31"})).text
        return everything, one_month

    everything, one_month = asyncio.run(pages())
    assert f"共 超过 {ledger_view.COUNT_CAP} 条" in everything and "这里只数到 10000 条" in everything
    last = ledger_view.COUNT_CAP // ledger_view.PER_PAGE + 1
    assert f"第 {last} / {last} 页" in everything  # a page beyond the counted ones is the last counted page
    total = int(re.search(r"共 (\d+) 条", one_month).group(1))
    assert 0 < total < ledger_view.COUNT_CAP and "已销号" in one_month and "这里只数到" not in one_month
