"""Acting from a finding's page in a real browser, on a phone (390 px) and a PC (1366 px): verifying (通过 / 不通过
with its reason) and reporting rectification with a photo from the file picker (a bad file beside it refused by
name, the good one kept); each through the chat app (bot/cli/bootstrap.py desk_acts), the notice read back from
the outbox; and a role that may not does not get the form. Each test has a desk of its own (a copy of one seeded
database), so each starts from the same ledger: Q1 at 城口中学 reported (待验收), Q2 at 复兴中学 open."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool

from bot.cli.bootstrap import desk_acts
from bot.clock import VirtualClock
from bot.settings import Settings
from bot.storage.engine import Database
from bot.web.desk import create_app
from tests.browser.conftest import Site, _free_port, chromium_browser, log_in, screenshot
from tests.support.harness import T0
from tests.support.photos import photo
from tests.web.conftest import CKZX, FXZX, _seed

pytestmark = pytest.mark.slow  # Chromium
WIDTHS = {"phone": {"width": 390, "height": 844}, "pc": {"width": 1366, "height": 900}}


@dataclass
class Seeded:
    db: Path
    evidence: Path


@dataclass
class ActingSite(Site):
    db: Path = Path()  # the desk's SQLite file (a default only because Site's last field has one)

    def outbox(self) -> list[tuple[str | None, str | None, str]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute("SELECT room_chat_id, to_chat_id, text FROM outbox ORDER BY id"))

    def finding(self, number: int) -> tuple[str, str]:
        """(status, the newest event's raw text)."""
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT f.status, e.raw_text FROM findings f JOIN finding_events e ON "
                                "e.finding_id = f.id WHERE f.number = ? ORDER BY e.id DESC LIMIT 1",
                                (number,)).fetchone()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, sqlite_county_template: Path) -> Seeded:
    tmp = tmp_path_factory.mktemp("acting-seed")
    shutil.copyfile(sqlite_county_template, tmp / "desk.db")
    asyncio.run(_seed(f"sqlite+aiosqlite:///{tmp}/desk.db", tmp))
    return Seeded(tmp / "desk.db", tmp / "evidence")


@pytest.fixture(scope="module")
def acting_browser(seeded: Seeded):  # noqa: ANN201 — after the seeding's event loop (see tests/browser/conftest.py)
    yield from chromium_browser()


@pytest.fixture
def acting(seeded: Seeded, tmp_path: Path) -> Iterator[ActingSite]:
    """A desk of this test's own, acting through a chat app (as `dudao web` builds it), its clock an hour after
    the seed's messages."""
    import uvicorn

    shutil.copyfile(seeded.db, tmp_path / "desk.db")
    url = f"sqlite+aiosqlite:///{tmp_path}/desk.db"
    # the seed's photo is stored by its path in the seed's evidence store: the tests' new photos go there too
    settings = Settings(database_url=url, evidence_dir=seeded.evidence, _env_file=None)
    db, clock = Database(url, poolclass=NullPool), VirtualClock(T0 + timedelta(hours=1))
    port = _free_port()
    app = create_app(settings, db, clock, acts=desk_acts(settings, clock, db))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="acting-desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)  # the poll interval of this start-up wait (a sync fixture: no event loop here)
    yield ActingSite(f"http://127.0.0.1:{port}", {}, 0, db=tmp_path / "desk.db")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(params=list(WIDTHS))
def tab(request: pytest.FixtureRequest, acting_browser, acting: ActingSite):  # noqa: ANN001, ANN201
    context = acting_browser.new_context(viewport=WIDTHS[request.param], locale="zh-CN")
    context.set_default_timeout(30_000)  # a login's password check on a busy two-core machine
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def fits(page) -> None:  # noqa: ANN001
    wider = page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]
    assert wider <= 0, f"{page.url} is {wider}px wider than the window"


def test_a_supervisor_verifies_and_a_principal_may_not(tab, acting: ActingSite) -> None:  # noqa: ANN001
    log_in(tab, acting, "p-wangf")  # 城口中学's principal: Q1 is hers to see, not to verify
    tab.goto(acting.url("/findings/1"))
    assert tab.locator("#act-verify").count() == 0 and tab.locator("#act-rectify").count() == 1
    tab.context.clear_cookies()
    log_in(tab, acting, "p-zhou")
    tab.goto(acting.url("/findings/1"))
    form = tab.locator("#act-verify")
    form.locator("input[value=不通过]").check()
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert "原因" in tab.inner_text(".said")  # the chat's own answer: 不通过 needs a reason
    assert acting.finding(1)[0] == "rectified"
    form = tab.locator("#act-verify")
    form.locator("input[value=不通过]").check()
    form.locator("textarea[name=reason]").fill("标识没有张贴到位")
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert "退回整改" in tab.inner_text(".said")
    assert acting.finding(1) == ("open", "[网页] 周永红：#验收 Q1 不通过 标识没有张贴到位")
    notice = acting.outbox()[-1]
    assert notice[0] == CKZX and "标识没有张贴到位" in notice[2]
    assert tab.locator("#act-verify").count() == 0  # back to the school: nothing to verify now
    fits(tab)
    screenshot(tab, f"act-verify-{tab.width_name}")


def test_a_principal_reports_rectification_with_a_photo(tab, acting: ActingSite, tmp_path: Path) -> None:  # noqa: ANN001
    good, bad = tmp_path / "after.png", tmp_path / "scan.jpg"
    good.write_bytes(photo("after.png", seed=21, size=(640, 480)).data)
    bad.write_bytes(b"this is not a picture at all")
    log_in(tab, acting, "p-zhou")  # a supervisor may see Q1 but does not report its rectification
    tab.goto(acting.url("/findings/1"))
    assert tab.locator("#act-rectify").count() == 0
    tab.context.clear_cookies()
    log_in(tab, acting, "p-huangj")
    tab.goto(acting.url("/findings/2"))
    form = tab.locator("#act-rectify")
    assert form.locator("input[type=file]").get_attribute("accept") == "image/*"
    form.locator("textarea[name=note]").fill("后厨地面已做防滑处理，积水已排净")
    form.locator("input[type=file]").set_input_files([str(good), str(bad)])
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    said = tab.inner_text(".said")
    assert "scan.jpg" in said  # the bad one named; the good one kept
    assert acting.finding(2) == ("rectified", "[网页] 黄军：#整改 Q2 后厨地面已做防滑处理，积水已排净")
    img = tab.locator(".photos img").first
    img.scroll_into_view_if_needed()
    tab.wait_for_function("img => img.complete", arg=img.element_handle())
    assert img.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [640, 480]
    assert tab.locator(".photos img").count() == 1
    notices = [n for n in acting.outbox() if "Q2" in n[2] and "防滑" in n[2]]
    assert notices and all(n[1] != "wxid_huangjun" for n in notices)
    assert any(n[0] == FXZX for n in notices)
    fits(tab)
    screenshot(tab, f"act-rectify-{tab.width_name}")


def submit(tab, kind: str, **fields: str) -> str:  # noqa: ANN001
    """Fill the form of `kind` on the open finding's page (opening its fold), send it; what the page then says."""
    fold = tab.locator(f"details:has(input[name=kind][value={kind}])")
    if fold.get_attribute("open") is None:
        fold.locator("summary").click()
    form = tab.locator(f"form:has(input[name=kind][value={kind}])")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    return tab.inner_text(".said")


def test_the_office_and_the_principal_take_the_other_actions(tab, acting: ActingSite) -> None:  # noqa: ANN001
    log_in(tab, acting, "p-huangj")  # 复兴中学's principal: report and ask, nothing of the office's
    tab.goto(acting.url("/findings/2"))
    kinds = {"rectify", "request", "urge", "amend", "extend", "withdraw", "approve", "refuse"}
    shown = {k for k in kinds if tab.locator(f"#act-{k}").count()}
    assert shown == {"rectify", "request"}
    assert "申请" in submit(tab, "request", deadline="10天", reason="等待维修队")
    assert acting.finding(2)[1] == "[网页] 黄军：#申请延期 Q2 10天 等待维修队"
    tab.context.clear_cookies()
    log_in(tab, acting, "p-liu")
    tab.goto(acting.url("/findings/2"))
    assert "未获同意" in submit(tab, "refuse", reason="期限已够")
    assert acting.outbox()[-1][0] == FXZX and "期限已够" in acting.outbox()[-1][2]
    tab.context.clear_cookies()
    log_in(tab, acting, "p-huangj")
    tab.goto(acting.url("/findings/2"))
    submit(tab, "request", deadline="7天", reason="材料未到")
    tab.context.clear_cookies()
    log_in(tab, acting, "p-liu")
    tab.goto(acting.url("/findings/2"))
    assert "延期" in submit(tab, "approve")
    assert acting.finding(2)[1].endswith("同意延期申请") and acting.outbox()[-1][0] == FXZX
    assert "督办" in submit(tab, "urge", note="本周五前完成")
    assert acting.outbox()[-1][0] == FXZX and "【督办】Q2" in acting.outbox()[-1][2]
    assert "修改" in submit(tab, "amend", field="类别", value="安全稳定")
    assert acting.finding(2)[1] == "[网页] 刘建国：#修改 Q2 类别 安全稳定"
    assert "延至" in submit(tab, "extend", deadline="3天", reason="节假日顺延")
    assert acting.finding(2)[1] == "[网页] 刘建国：#延期 Q2 3天 节假日顺延"
    fits(tab)
    screenshot(tab, f"act-office-{tab.width_name}")
    assert "撤销" in submit(tab, "withdraw", reason="重复录入")
    assert acting.finding(2) == ("withdrawn", "[网页] 刘建国：#撤销 Q2 重复录入")
    assert acting.outbox()[-1][0] == FXZX
    assert tab.locator("details.act").count() == 0  # 已撤销: nothing left to do


def test_a_stale_form_in_another_tab_is_refused(tab, acting: ActingSite) -> None:  # noqa: ANN001
    log_in(tab, acting, "p-zhou")
    tab.goto(acting.url("/findings/1"))
    other = tab.context.new_page()  # the same person, a second tab: verifies first
    other.goto(acting.url("/findings/1"))
    other.locator("#act-verify button[type=submit]").click()
    other.wait_for_load_state()
    assert acting.finding(1)[0] == "closed"
    tab.locator("#act-verify input[value=不通过]").check()
    tab.locator("#act-verify textarea[name=reason]").fill("不合格")
    tab.locator("#act-verify button[type=submit]").click()
    tab.wait_for_load_state()
    said = tab.inner_text(".said")
    assert "有了变化" in said and "验收通过，销号（周永红" in said
    assert acting.finding(1) == ("closed", "[网页] 周永红：#验收 Q1 通过")
    screenshot(tab, f"act-stale-{tab.width_name}")
