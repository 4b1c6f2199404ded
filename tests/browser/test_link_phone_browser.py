"""A personal link's phone page in Chromium at 390 px, as the WeChat and WeCom in-app browsers present themselves
(their user-agent strings): the principal picks three photos from the album — one HEIC, one too large — and each
goes up on its own (the large one refused with a polite sentence, the others kept), then reports; the supervisor
sees the photos side by side and refuses with a reason; and with script off the plain form still carries the
photos. Each through the chat app (bot/cli/bootstrap.py desk_acts), as `dudao web` builds the desk.

The seed (tests/web/conftest.py): Q1 at 城口中学 reported (待验收, finder 周永红) with a photo; Q2 at 复兴中学 open
(principal 黄军). The links are written into the database here as bot/ledger/finding_links.py issues them."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool

from bot.cli.bootstrap import desk_acts
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage.engine import Database
from bot.web.desk import create_app
from tests.browser.conftest import PHONE, _free_port, chromium_browser, screenshot
from tests.support.harness import T0
from tests.support.photos import image_bytes
from tests.web.conftest import _seed

pytestmark = pytest.mark.slow  # Chromium
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN")
WECOM = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 NetType/WIFI Language/zh_CN")


@dataclass
class LinkSite:
    base: str
    db: Path

    def link(self, person_key: str, number: int) -> str:
        """A new link for the person to the finding (as finding_links.issue writes it); its address."""
        token = secrets.token_urlsafe(24)
        now = datetime.now(UTC).replace(tzinfo=None)  # the desk's clock is virtual: far before, never expired
        with sqlite3.connect(self.db) as conn:
            person = conn.execute("SELECT id FROM people WHERE key = ?", (person_key,)).fetchone()[0]
            finding = conn.execute("SELECT id FROM findings WHERE number = ?", (number,)).fetchone()[0]
            conn.execute("INSERT INTO finding_links (token_hash, person_id, finding_id, issued_at, expires_at) "
                         "VALUES (?, ?, ?, ?, ?)", (hashlib.sha256(token.encode()).hexdigest(), person, finding,
                                                    str(now - timedelta(days=1000)), str(now + timedelta(days=1))))
        return f"{self.base}/l/{token}"

    def finding(self, number: int) -> tuple[str, str, int]:
        """(status, the newest event's raw text, photos attached to that event)."""
        with sqlite3.connect(self.db) as conn:
            status, raw, event = conn.execute(
                "SELECT f.status, e.raw_text, e.id FROM findings f JOIN finding_events e ON e.finding_id = f.id "
                "WHERE f.number = ? ORDER BY e.id DESC LIMIT 1", (number,)).fetchone()
            photos = conn.execute("SELECT count(*) FROM evidence WHERE event_id = ?", (event,)).fetchone()[0]
        return status, raw, photos


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, sqlite_county_template: Path) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("link-seed")
    shutil.copyfile(sqlite_county_template, tmp / "desk.db")
    asyncio.run(_seed(f"sqlite+aiosqlite:///{tmp}/desk.db", tmp))
    return tmp / "desk.db", tmp / "evidence"


@pytest.fixture(scope="module")
def link_browser(seeded: tuple[Path, Path]):  # noqa: ANN201 — after the seeding's event loop
    yield from chromium_browser()


@pytest.fixture
def site(seeded: tuple[Path, Path], tmp_path: Path) -> Iterator[LinkSite]:
    import uvicorn

    shutil.copyfile(seeded[0], tmp_path / "desk.db")
    url = f"sqlite+aiosqlite:///{tmp_path}/desk.db"
    settings = Settings(database_url=url, evidence_dir=seeded[1], evidence_max_mb=0.2, _env_file=None,
                        web_public_url="https://dudao.example.gov.cn")
    db, clock = Database(url, poolclass=NullPool), VirtualClock(T0 + timedelta(hours=1))
    port = _free_port()
    app = create_app(settings, db, clock, acts=desk_acts(settings, clock, db))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="link-desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)  # the poll interval of this start-up wait (a sync fixture: no event loop here)
    yield LinkSite(f"http://127.0.0.1:{port}", tmp_path / "desk.db")
    server.should_exit = True
    thread.join(timeout=10)


def phone(browser, agent: str, script: bool = True):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport=PHONE, user_agent=agent, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=3, java_script_enabled=script)
    context.set_default_timeout(30_000)
    return context


def fits(page) -> None:  # noqa: ANN001
    wider = page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]
    assert wider <= 0, f"{page.url} is {wider}px wider than the window"


def test_the_principal_uploads_from_the_album_in_wechat(link_browser, site: LinkSite, tmp_path: Path) -> None:  # noqa: ANN001
    files = {"现场1.jpg": image_bytes("jpg", size=(800, 600), seed=31),
             "IMG_0002.HEIC": image_bytes("heic", size=(800, 600), seed=33),
             "原图.png": image_bytes("png", size=(600, 600), noise=True)}  # ~1 MB: over EVIDENCE_MAX_MB 0.2
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    context = phone(link_browser, WECHAT)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(site.link("p-huangj", 2))
    assert tab.evaluate("navigator.userAgent") == WECHAT
    form = tab.locator("#act-rectify")
    assert form.locator("input[capture=environment]").count() == 1  # 拍照
    assert tab.locator("#act-verify").count() == 0 and tab.locator("header nav").count() == 0
    fits(tab)
    album = form.locator("input[multiple]")  # 从相册选择
    album.set_input_files([str(tmp_path / name) for name in files])
    lines = form.locator(".uploads li")
    tab.wait_for_function("() => document.querySelectorAll('.uploads li.busy').length === 0 && "
                          "document.querySelectorAll('.uploads li').length === 3")
    texts = lines.all_inner_texts()
    assert texts[0] == "“现场1.jpg”已上传。" and texts[1] == "“IMG_0002.HEIC”已上传。"
    assert "超过0.2MB" in texts[2] and "没有上传" in texts[2]
    assert [lines.nth(i).get_attribute("class") for i in range(3)] == ["ok", "ok", "bad"]
    assert album.evaluate("input => input.files.length") == 0  # sent already: the form does not carry them again
    form.locator("textarea[name=note]").fill("后厨地面已做防滑处理，积水已排净")
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert "整改报告" in tab.inner_text(".said")
    assert site.finding(2) == ("rectified", "[链接] 黄军：#整改 Q2 后厨地面已做防滑处理，积水已排净", 2)
    images = tab.locator(".photos img")
    assert images.count() == 2
    for i in range(2):  # the HEIC shown as a JPEG the browser can draw
        images.nth(i).scroll_into_view_if_needed()
        tab.wait_for_function("img => img.complete", arg=images.nth(i).element_handle())
        assert images.nth(i).evaluate("img => img.naturalWidth") == 800
    fits(tab)
    assert errors == []
    screenshot(tab, "link-principal-wechat-390")
    context.close()


def test_the_supervisor_refuses_with_a_reason_in_wecom(link_browser, site: LinkSite) -> None:  # noqa: ANN001
    context = phone(link_browser, WECOM)
    tab = context.new_page()
    tab.goto(site.link("p-zhou", 1))
    assert tab.locator("#act-rectify").count() == 0
    assert tab.locator(".sides").count() == 1 and "问题照片" in tab.inner_text(".sides")
    img = tab.locator(".photos img").first
    img.scroll_into_view_if_needed()
    tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    fits(tab)
    assert tab.locator(".sides").bounding_box()["y"] < tab.locator("#act-verify").bounding_box()["y"]  # look, then decide
    form = tab.locator("#act-verify")
    form.locator("input[value=不通过]").check()
    form.locator("textarea[name=reason]").fill("标识没有张贴到位")
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert "退回整改" in tab.inner_text(".said")
    assert site.finding(1)[:2] == ("open", "[链接] 周永红：#验收 Q1 不通过 标识没有张贴到位")
    fits(tab)
    screenshot(tab, "link-supervisor-wecom-390")
    context.close()


def test_without_script_the_plain_form_carries_the_photos(link_browser, site: LinkSite, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "a.jpg").write_bytes(image_bytes("jpg", size=(400, 300), seed=41))
    context = phone(link_browser, WECHAT, script=False)
    tab = context.new_page()
    tab.goto(site.link("p-huangj", 2))
    form = tab.locator("#act-rectify")
    form.locator("input[multiple]").set_input_files([str(tmp_path / "a.jpg")])
    form.locator("textarea[name=note]").fill("已整改")
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert site.finding(2) == ("rectified", "[链接] 黄军：#整改 Q2 已整改", 1)
    context.close()
