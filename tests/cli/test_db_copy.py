"""`dudao db copy SOURCE` (bot/storage/db_copy.py): a county's SQLite database — findings, events, photos, the
county — copied into an empty database (another SQLite file; PostgreSQL when TEST_DATABASE_URL is set), every
table's rows the same, and the bot going on there (the next finding is Q2: PostgreSQL's id sequences moved past
the copied ids); a target that holds rows, or the source itself, refused in Chinese with nothing changed
(docs/deploy.md, "Moving from SQLite to PostgreSQL")."""
from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import models as m
from tests.cli.test_cli import dudao

PHOTO = Path(__file__).resolve().parents[1] / "scenarios" / "evidence-1.png"
CHAT = (f"/as 周永红\n/room 实验小学督导联络群\n#问题 实验小学 扶手松动 限期3天\n/photo {PHOTO}\n/as 刘洋\n"
        f"#整改 Q1 已加固\n/photo {PHOTO}\n/quit\n")
NEXT = "/as 周永红\n/room 实验小学督导联络群\n#查询 Q1\n#问题 实验小学 灭火器过期\n/quit\n"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("bot")
    done = dudao("run", cwd=home, stdin=CHAT)
    assert done.returncode == 0, done.stderr
    return home, f"sqlite+aiosqlite:///{home}/data/dudao.db"


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                for t in m.Base.metadata.sorted_tables}


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0)
                    for t in m.Base.metadata.sorted_tables}
    finally:
        await engine.dispose()


def _copied_and_going_on(home: Path, source_url: str, target: str) -> None:
    done = dudao("db", "copy", source_url, "--db", target, cwd=home)
    assert done.returncode == 0, done.stderr
    assert "复制完成" in done.stdout and "问题 1 条" in done.stdout and "各表条数已逐一核对一致" in done.stdout
    want = _sqlite_counts(home / "data" / "dudao.db")
    assert want["findings"] == 1 and want["evidence"] >= 1 and want["finding_events"] >= 2
    assert asyncio.run(_counts(target)) == want
    going = dudao("run", "--db", target, cwd=home, stdin=NEXT, env={"EVIDENCE_DIR": str(home / "data" / "evidence")})
    assert going.returncode == 0, going.stderr
    assert "已加固" in going.stdout and "已登记问题 Q2" in going.stdout  # the history there; the next number and id
    again = dudao("db", "copy", source_url, "--db", target, cwd=home)
    assert again.returncode == 1 and "已经有" in again.stderr and "--force" in again.stderr
    assert asyncio.run(_counts(target))["findings"] == 2  # nothing changed
    forced = dudao("db", "copy", source_url, "--db", target, "--force", cwd=home)
    assert forced.returncode == 0, forced.stderr
    assert asyncio.run(_counts(target)) == want


def test_a_sqlite_database_copies_into_an_empty_sqlite_file(source: tuple[Path, str], tmp_path: Path) -> None:
    home, url = source
    _copied_and_going_on(home, url, f"sqlite+aiosqlite:///{tmp_path}/new.db")


def test_a_sqlite_database_copies_into_postgresql(source: tuple[Path, str]) -> None:
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    name = f"dudao_copy_{os.getpid()}"
    target = make_url(pg).set(database=name).render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        engine = create_async_engine(pg, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.exec_driver_sql(statement)
        await engine.dispose()

    asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    asyncio.run(admin(f"CREATE DATABASE {name}"))
    try:
        home, url = source
        _copied_and_going_on(home, url, target)
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_the_source_itself_is_refused(source: tuple[Path, str]) -> None:
    home, url = source
    before = _sqlite_counts(home / "data" / "dudao.db")
    done = dudao("db", "copy", url, "--db", url, cwd=home)
    assert done.returncode == 1 and "同一个数据库" in done.stderr
    assert _sqlite_counts(home / "data" / "dudao.db") == before
