"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set), and a harness
that drives the real app on a virtual clock with a recording transport."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.harness import Harness

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEMO_COUNTY = REPO / "bot" / "data" / "demo-county.yaml"
PG_URL = os.environ.get("TEST_DATABASE_URL")


async def _admin(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A database of this test run's own (dudao_test_<pid>) beside TEST_DATABASE_URL's, dropped at the end,
    so that concurrent runs on one server never step on each other."""
    if not PG_URL:
        yield None
        return
    name = f"dudao_test_{os.getpid()}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"))
    yield url
    asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_database: str | None) -> str:
    """A fresh, empty database URL for each test, on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/test.db"
    if not pg_database:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    await _admin(pg_database, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
    return pg_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/test.db"


@pytest.fixture
async def harness(db_url: str, tmp_path: Path):
    h = await Harness.create(db_url, tmp_path, DEMO_COUNTY)
    yield h
    await h.close()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED
