"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set), and a harness
that drives the real app on a virtual clock with a recording transport."""
from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli.bootstrap import load_county, open_database
from bot.clock import VirtualClock
from tests.support.harness import T0, Harness
from tests.support.paths import DEMO_COUNTY, SHARED

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
async def sqlite_db(sqlite_url: str):
    """A migrated, empty SQLite Database (no county), disposed after the test."""
    from bot.storage.engine import Database
    from bot.storage.migrate import upgrade_database

    database = Database(sqlite_url)
    await upgrade_database(database)
    yield database
    await database.dispose()


async def _prepare_county_db(url: str) -> None:
    db = await open_database(url)
    await load_county(db, DEMO_COUNTY, VirtualClock(T0))
    await db.dispose()


@pytest.fixture(scope="session")
def sqlite_county_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the demo county loaded, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "county.db"
    asyncio.run(_prepare_county_db(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_county_template(pg_database: str | None) -> Iterator[str | None]:
    """The same on PostgreSQL: a template database each test's database is created from."""
    if not pg_database:
        yield None
        return
    name = make_url(pg_database).database + "_tmpl"
    asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"))
    asyncio.run(_prepare_county_db(make_url(pg_database).set(database=name).render_as_string(hide_password=False)))
    yield name
    asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def county_db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_county_template: Path,
                        pg_database: str | None, pg_county_template: str | None) -> str:
    """A database with the demo county already loaded, on each backend."""
    if request.param == "sqlite":
        shutil.copyfile(sqlite_county_template, tmp_path / "test.db")
        return f"sqlite+aiosqlite:///{tmp_path}/test.db"
    if not pg_database:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL run skipped")
    name = make_url(pg_database).database
    await _admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                 f"CREATE DATABASE {name} TEMPLATE {pg_county_template}")
    return pg_database


@dataclass(frozen=True)
class Seeded:
    """A database seeded once a run: where it is (a SQLite file, or a PostgreSQL template database's name), the
    evidence directory its photos were stored in (shared, read only), and what its seed returned."""

    source: str
    evidence: Path
    value: Any


class SeededTemplates:
    """Databases seeded on top of the demo county once a run (by name and backend, at first use), then copied for
    each test as the county template is: a test gets the same data without paying for the seeding (the desk's
    argon2 password hashes, the chat that logs its findings) again."""

    def __init__(self, root: Path, sqlite_county: Path, pg_database: str | None, pg_county: str | None) -> None:
        self.root, self.sqlite_county, self.pg_database, self.pg_county = root, sqlite_county, pg_database, pg_county
        self.made: dict[tuple[str, str], Seeded] = {}

    def copy(self, name: str, seed: Callable[[str, Path], Awaitable[Any]], county_db_url: str,
             tmp_path: Path) -> tuple[str, Seeded]:
        """`county_db_url` (the test's own database, on its backend) made a copy of `name`, seeded by
        `await seed(url, tmp)` the first time; returns the URL and the template."""
        backend = "sqlite" if county_db_url.startswith("sqlite") else "postgresql"
        if (name, backend) not in self.made:
            self.made[name, backend] = self._seed(name, backend, seed)
        seeded = self.made[name, backend]
        if backend == "sqlite":
            shutil.copyfile(seeded.source, make_url(county_db_url).database)
        else:
            db = make_url(county_db_url).database
            asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)",
                               f"CREATE DATABASE {db} TEMPLATE {seeded.source}"))
        return county_db_url, seeded

    def _seed(self, name: str, backend: str, seed: Callable[[str, Path], Awaitable[Any]]) -> Seeded:
        tmp = self.root / f"{name}-{backend}"
        tmp.mkdir()
        if backend == "sqlite":
            source = str(tmp / "seeded.db")
            shutil.copyfile(self.sqlite_county, source)
            url = f"sqlite+aiosqlite:///{source}"
        else:
            source = f"{make_url(self.pg_database).database}_{name}"
            asyncio.run(_admin(PG_URL, f"DROP DATABASE IF EXISTS {source}",
                               f"CREATE DATABASE {source} TEMPLATE {self.pg_county}"))
            url = make_url(self.pg_database).set(database=source).render_as_string(hide_password=False)
        return Seeded(source, tmp / "evidence", asyncio.run(seed(url, tmp)))

    def drop(self) -> None:
        names = [seeded.source for (_, backend), seeded in self.made.items() if backend == "postgresql"]
        if names:
            asyncio.run(_admin(PG_URL, *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names)))


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory: pytest.TempPathFactory, sqlite_county_template: Path,
                     pg_database: str | None, pg_county_template: str | None) -> Iterator[SeededTemplates]:
    templates = SeededTemplates(tmp_path_factory.mktemp("seeded"), sqlite_county_template, pg_database,
                                pg_county_template)
    yield templates
    templates.drop()


@pytest.fixture
async def harness(request: pytest.FixtureRequest, county_db_url: str, tmp_path: Path):
    """The app on the demo county, its virtual clock at T0 — or where `@pytest.mark.start("<ISO time>")` says, with
    nothing swept in between (the county was loaded as of T0)."""
    marker = request.node.get_closest_marker("start")
    start = datetime.fromisoformat(marker.args[0]) if marker else T0
    h = await Harness.create(county_db_url, tmp_path, None, start=start)
    yield h
    await h.close()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED
