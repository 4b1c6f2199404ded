"""The desk on a phone (390 px), on a laptop (1366 px) and on paper, in a real browser: no page scrolls sideways,
the ledger as compact cards with a sort control and tap targets of at least 44 px, chart text of at least 12 px,
wide tables scrolling in their own box, long descriptions cut in the list (a 200- and a 5,000-character one), the
print stylesheet (no navigation or forms, the filters as a line of text) and the 整改通知书 page.

Screenshots: tests/output/screenshots/ (ignored by git), named after the page, the width and the medium."""
from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from bot.storage import models as m
from bot.storage.engine import Database
from tests.browser.conftest import LAPTOP, PHONE, Site, log_in, screenshot
from tests.support.harness import Harness
from tests.web.conftest import CKZX, CYCLE_NOW

pytestmark = pytest.mark.slow  # Chromium

TWO_HUNDRED = ("学校食堂后厨排水沟盖板缺失，地面长期积水，操作间生熟案板未分开使用，留样冰箱温度记录不全，"
               "部分从业人员健康证过期未及时更换，") * 4  # about 200 characters, as an ordinary finding says it
FIVE_THOUSAND = "教学楼消防设施检查记录不完整，" * 333 + "到此为止。"  # 5,000 characters
PAGES = ("/ledger", "/findings/1", "/findings/3", "/findings/1/notice", "/charts", "/cycle", "/terms", "/campaigns",
         "/assessment", "/schools-assessment", "/bulletins", "/audit", "/help")
MIN_TAP = 44
TARGETS = "header a, header button, main button, main select, main input, main a:not(.note a)"  # running text exempt
MIN_CHART_TEXT = 12


async def _add_long_findings(site: Site, tmp) -> None:  # noqa: ANN001
    """Q3 (200 characters, logged in chat) and Q4 (5,000: more than a chat message may hold, so written as a
    workbook import or an older version could have stored it)."""
    h = await Harness.create(site.db_url, tmp, None, start=CYCLE_NOW)
    try:
        await h.say(CKZX, "wxid_zhouyonghong", f"#问题 城口中学 食品卫生 {TWO_HUNDRED} 限期5天", msg_id="long-1")
        await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 安全稳定 消防记录不全 限期5天", msg_id="long-2")
    finally:
        await h.close()
    db = Database(site.db_url, poolclass=NullPool)
    try:
        async with db.transaction() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 4))
            finding.description = FIVE_THOUSAND
    finally:
        await db.dispose()


@pytest.fixture(scope="module", autouse=True)
def long_findings(site: Site, tmp_path_factory: pytest.TempPathFactory) -> None:
    # before the browser opens (Playwright's sync API keeps an event loop running in this thread)
    asyncio.run(_add_long_findings(site, tmp_path_factory.mktemp("long-findings")))


def _sideways(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _small_targets(page, scope: str) -> list:  # noqa: ANN001
    """The visible links, buttons and form fields under `scope` smaller than MIN_TAP px either way."""
    return page.evaluate("""([scope, min]) => [...document.querySelectorAll(scope)]
        .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.textContent.trim().slice(0, 12) || e.getAttribute('name') || e.tagName,
                            Math.round(r.width), Math.round(r.height)]; })
        .filter(([, w, h]) => w < min || h < min)""", [scope, MIN_TAP])


def _chart_text_px(page) -> list[float]:  # noqa: ANN001
    """The size on the screen of every chart text: its font size times the SVG's scale."""
    return page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].filter(t => t.textContent.trim())
        .map(t => { const m = t.getScreenCTM();
                    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })""")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_no_page_scrolls_sideways(page, site: Site, size: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(size)
    page.goto(site.url("/login"))
    assert _sideways(page) <= 0, "/login"
    log_in(page, site, "p-liu")
    wide, small = {}, {}
    for path in PAGES:
        answer = page.goto(site.url(path))
        assert answer.status == 200, path
        wide[path] = _sideways(page)
        if size is PHONE:  # a link in running text is exempt, as WCAG's target size rule has it
            small[path] = _small_targets(page, TARGETS)
        screenshot(page, f"{path.strip('/').replace('/', '-')}-{size['width']}")
    assert {p: w for p, w in wide.items() if w > 0} == {}
    assert {p: t for p, t in small.items() if t} == {}


def test_on_a_phone_the_ledger_is_compact_cards_with_a_sort_and_big_targets(page, site: Site) -> None:  # noqa: ANN001
    page.set_viewport_size(PHONE)
    log_in(page, site, "p-liu")
    assert page.locator("table.findings tbody tr").count() == 4
    cards = page.evaluate("""() => [...document.querySelectorAll('table.findings tbody tr')].map(tr => {
        const box = s => tr.querySelector(s).getBoundingClientRect();
        return {height: tr.getBoundingClientRect().height, num: box('td.num').top, school: box('td.school').top,
                status: box('td.status').top, due: box('td.due').top, cat: tr.querySelector('td.cat').offsetParent};
    })""")
    for card in cards:  # 编号 and 学校 on the first line, 状态 and 期限 on the second, the description cut below
        assert abs(card["num"] - card["school"]) < 12 and abs(card["status"] - card["due"]) < 12, card
        assert card["status"] > card["num"] + 20 and card["cat"] is None, card
        assert card["height"] <= 150, card  # two short lines and two of description at most
    assert page.evaluate("document.documentElement.scrollHeight") < 2000  # not 19,000 px of label/value rows
    assert _small_targets(page, "main a, main button, main select, main input, header a, header button") == []
    link = page.locator("a[href='/findings/1']").bounding_box()
    assert link["width"] >= MIN_TAP and link["height"] >= MIN_TAP
    screenshot(page, "ledger-cards-390")
    sorter = page.locator("nav.sortbar")
    assert sorter.is_visible() and page.locator("table.findings thead").is_hidden()
    sorter.locator("a", has_text="期限").click()
    page.wait_for_url("**/ledger?*sort=deadline*")
    dues = page.locator("table.findings td.due").all_inner_texts()
    assert [d[-10:] for d in dues] == sorted(d[-10:] for d in dues)
    page.locator("nav.sortbar a", has_text="期限").click()  # again: the other way round
    page.wait_for_url("**/ledger?*dir=desc*")
    again = page.locator("table.findings td.due").all_inner_texts()
    assert [d[-10:] for d in again] == sorted((d[-10:] for d in again), reverse=True)
    page.locator("table.findings tbody tr").first.click(position={"x": 200, "y": 60})  # anywhere on the card
    page.wait_for_url(re.compile(r".*/findings/\d+$"))


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_chart_text_is_at_least_12px(page, site: Site, size: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(size)
    log_in(page, site, "p-liu")
    page.goto(site.url("/charts"))
    sizes = _chart_text_px(page)
    assert len(sizes) > 20 and min(sizes) >= MIN_CHART_TEXT and max(sizes) <= 24, (min(sizes), max(sizes))
    screenshot(page, f"charts-text-{size['width']}")


def test_wide_tables_scroll_in_their_own_box(page, site: Site) -> None:  # noqa: ANN001
    page.set_viewport_size(PHONE)
    log_in(page, site, "p-liu")
    page.goto(site.url("/assessment?month=2024-03"))
    box = page.locator(".wide").first
    headers = box.locator("th")
    assert headers.count() >= 17 and _sideways(page) <= 0
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls, not the page
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    last = headers.last.bounding_box()
    assert last["x"] >= 0 and last["x"] + last["width"] <= PHONE["width"] + 1  # the last column can be reached
    screenshot(page, "assessment-scrolled-390")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_long_descriptions_are_cut_and_squeeze_no_column(page, site: Site, size: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(size)
    log_in(page, site, "p-liu")
    rows = page.evaluate("""() => [...document.querySelectorAll('table.findings tbody tr')].map(tr => {
        const cells = {};
        for (const td of tr.querySelectorAll('td')) {
            const r = td.getBoundingClientRect(), content = document.createRange();
            content.selectNodeContents(td);  // the height of what the cell holds, not the row's
            cells[td.className] = {width: r.width, height: content.getBoundingClientRect().height};
        }
        const clamp = tr.querySelector('.clamp');
        return {ref: tr.querySelector('td.num').textContent.trim(), cells, text: clamp.textContent.length,
                lines: clamp.getBoundingClientRect().height / parseFloat(getComputedStyle(clamp).lineHeight)};
    })""")
    by_ref = {r["ref"]: r for r in rows}
    assert by_ref["Q4"]["text"] == 120 and by_ref["Q3"]["text"] == 120  # cut with … on the server
    limit = 2 if size is PHONE else 3
    assert all(r["lines"] <= limit + 0.1 for r in rows), [(r["ref"], r["lines"]) for r in rows]
    if size is LAPTOP:
        for r in rows:  # one short line each, never a character per line
            for name in ("num", "sev", "status", "due"):
                assert r["cells"][name]["height"] < 36, (r["ref"], name, r["cells"][name])
            assert r["cells"]["school"]["width"] >= 120 and r["cells"]["cat"]["width"] >= 70, r
    screenshot(page, f"ledger-long-{size['width']}")
    page.goto(site.url("/findings/4"))
    assert page.locator("dd.desc").inner_text().endswith("到此为止。")  # the whole text on the finding's page
    assert _sideways(page) <= 0


def test_printing_the_ledger_shows_the_filters_as_a_line_and_no_navigation(page, site: Site) -> None:  # noqa: ANN001
    page.set_viewport_size(LAPTOP)
    log_in(page, site, "p-liu")
    page.select_option("select[name=status]", "open")
    page.fill("input[name=q]", "消防")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/ledger?*status=open*")
    line = page.locator(".filterline")
    assert line.is_hidden()  # on the screen the form says it
    page.emulate_media(media="print")
    for hidden in ("header.top", "form.filters", "a.download", "nav.sortbar"):
        assert page.locator(hidden).is_hidden(), hidden
    assert line.inner_text() == "筛选条件：状态：待整改；文字：消防"
    styles = page.evaluate("""() => {
        const a = document.querySelector('table.findings a');
        const tr = document.querySelector('table.findings tbody tr');
        return {after: getComputedStyle(a, '::after').content, row: getComputedStyle(tr).breakInside,
                head: getComputedStyle(document.querySelector('table.findings thead')).display};
    }""")
    assert styles == {"after": "none", "row": "avoid", "head": "table-header-group"}
    screenshot(page, "ledger-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 1


A4_WIDTH = {"width": 703, "height": 1000}  # px across an A4 sheet inside the print stylesheet's 12 mm margins


@pytest.mark.parametrize("path", ["/ledger", "/assessment?month=2024-03", "/cycle", "/terms"])
def test_printed_pages_fit_the_sheets_width(page, site: Site, path: str) -> None:  # noqa: ANN001
    log_in(page, site, "p-liu")
    page.set_viewport_size(A4_WIDTH)
    page.emulate_media(media="print")
    page.goto(site.url(path))
    assert page.locator("header.top").is_hidden() and _sideways(page) <= 0, path
    screenshot(page, f"print-{path.strip('/').split('?')[0]}")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_rectification_notice_prints_on_a4(page, site: Site, size: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(size)
    log_in(page, site, "p-liu")
    page.goto(site.url("/findings/2"))
    page.click("a[href='/findings/2/notice']")
    page.wait_for_url("**/findings/2/notice")
    sheet = page.locator("article.sheet")
    assert sheet.locator(".doc-title").inner_text() == "城口县人民政府教育督导室\n整改通知书"
    assert "食堂<b>后厨</b>地面积水" in sheet.inner_text() and sheet.locator("b").count() == 0
    assert _sideways(page) <= 0
    if size is PHONE:
        assert _small_targets(page, "main a, header a, header button") == []
    screenshot(page, f"notice-{size['width']}")
    page.emulate_media(media="print")
    for hidden in ("header.top", ".notice-links", "p.no-print"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert sheet.is_visible()
    screenshot(page, f"notice-print-{size['width']}")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # an ordinary notice is one sheet
    with page.expect_download() as info:
        page.emulate_media(media="screen")
        page.click("a[href='/findings/2/notice.docx']")
    assert info.value.suggested_filename == "整改通知书-Q2-城口县复兴中学.docx"
