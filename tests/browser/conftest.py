"""Browser tests: the desk served by uvicorn (a background thread, a free port) over a seeded SQLite database, driven
by Playwright through Debian's Chromium (/usr/bin/chromium; Playwright's own browser download is not used).

Without the browser (or Playwright) these tests skip — unless DUDAO_REQUIRE_BROWSER=1 (CI), where that fails."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool

from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage.engine import Database
from bot.web.desk import create_app
from tests.web.conftest import CYCLE_NOW, PASSWORDS, _seed

CHROMIUM = Path(os.environ.get("DUDAO_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(__file__).parents[1] / "output" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LAPTOP = {"width": 1366, "height": 768}


def _unavailable(why: str) -> None:
    if os.environ.get("DUDAO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (DUDAO_REQUIRE_BROWSER=1) but {why}", pytrace=False)
    pytest.skip(why)


@dataclass
class Site:
    base: str
    schools: dict[str, int]
    photo_id: int
    db_url: str = ""  # the desk's database, for a module that adds to it before the browser opens

    def url(self, path: str) -> str:
        return self.base + path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_county_template: Path) -> Iterator[Site]:
    """The desk on http://127.0.0.1:<port>, its clock at CYCLE_NOW (2024-03-22 10:00, county time)."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("browser-desk")
    shutil.copyfile(sqlite_county_template, tmp / "desk.db")
    url = f"sqlite+aiosqlite:///{tmp}/desk.db"
    schools, photo_id = asyncio.run(_seed(url, tmp, cycle=True))
    settings = Settings(database_url=url, evidence_dir=tmp / "evidence", _env_file=None)
    db = Database(url, poolclass=NullPool)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db, VirtualClock(CYCLE_NOW)), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="desk-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise AssertionError("the desk did not start for the browser tests")
        time.sleep(0.05)  # the poll interval of this condition wait (a sync fixture: no event loop here)
    yield Site(f"http://127.0.0.1:{port}", schools, photo_id, url)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(site: Site):  # noqa: ANN201 — a Playwright Browser
    # after `site`, whose seeding runs its own event loop: Playwright's sync API keeps one running in this thread
    # while the browser is open, so the browser closes with the module, before any other test needs a loop
    yield from chromium_browser()


def chromium_browser():  # noqa: ANN201 — yields a Playwright Browser: Debian's Chromium, or a skip (or a failure)
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site: Site):  # noqa: ANN001, ANN201 — a fresh context (no cookies) and page per test
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, site: Site, username: str, password: str | None = None) -> None:  # noqa: ANN001
    page.goto(site.url("/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username] if password is None else password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
