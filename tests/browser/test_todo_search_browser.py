"""我的待办 and the ledger's search in a real browser, at a phone's 390 px and a PC's 1366 px: the navigation's link,
each role's lists, a search typed into the box by 编号 (full-width too), school and 整改情况, and the reason a filter
cannot match — with screenshots (tests/output/screenshots/todo-*, search-*)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, Site, log_in, screenshot

pytestmark = pytest.mark.slow  # Chromium

PC = {"width": 1366, "height": 900}
SIZES = [("phone", PHONE), ("pc", PC)]


def _refs(page) -> list[str]:  # noqa: ANN001
    return [a.inner_text() for a in page.locator("table.ledger tbody a[href^='/findings/']").all()]


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_the_office_opens_its_todo_from_the_navigation(page, site: Site, size: str, viewport: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(viewport)
    log_in(page, site, "p-liu")
    page.click("nav a[href='/todo']")
    page.wait_for_url("**/todo")
    assert page.inner_text("h1") == "我的待办"
    late = page.locator("section#verify_late")
    assert "验收超期" in late.inner_text() and [a.inner_text() for a in late.locator("a").all()] == ["Q1"]
    assert "学校自查" in page.inner_text("section#reports")  # due on the 20th, most schools' still missing
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"todo-office-{size}")


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_a_principal_and_a_supervisor_see_their_own_work(page, site: Site, size: str, viewport: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(viewport)
    log_in(page, site, "p-huangj")  # 黄军, 复兴中学: Q2 was due on the 16th
    page.goto(site.url("/todo"))
    overdue = page.locator("section#overdue")
    assert [a.inner_text() for a in overdue.locator("a[href^='/findings/']").all()] == ["Q2"]
    assert "Q1" not in page.inner_text("main")
    screenshot(page, f"todo-principal-{size}")
    page.click("section#overdue a[href='/findings/2']")
    page.wait_for_url("**/findings/2")
    assert "食堂" in page.inner_text("main")
    page.context.clear_cookies()
    log_in(page, site, "p-zhou")  # 周永红: Q1 waits for his verification
    page.goto(site.url("/todo"))
    assert [a.inner_text() for a in page.locator("section#verify a").all()] == ["Q1"]
    screenshot(page, f"todo-supervisor-{size}")


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_searching_the_ledger_as_people_type(page, site: Site, size: str, viewport: dict) -> None:  # noqa: ANN001
    page.set_viewport_size(viewport)
    log_in(page, site, "p-liu")
    for typed, found in (("q2", ["Q2"]), ("Ｑ１", ["Q1"]), ("复兴", ["Q2"]), ("张贴标识", ["Q1"])):
        page.fill("input[name=q]", typed)
        page.click(".filters button[type=submit]")
        page.wait_for_load_state()
        assert _refs(page) == found, typed
        assert page.inner_text(".counts").startswith("共 1 条")
    screenshot(page, f"search-{size}")
    page.fill("input[name=q]", "城口县复兴小学")
    page.click(".filters button[type=submit]")
    page.wait_for_load_state()
    assert "没有找到学校“城口县复兴小学”，最接近的是：" in page.inner_text(".problem")
    page.goto(site.url(f"/ledger?school={site.schools['重庆市城口中学']}"))
    second = page.locator("select[name=district] option", has_text="第二责任区").get_attribute("value")
    page.select_option("select[name=district]", second)
    page.click(".filters button[type=submit]")
    page.wait_for_load_state()
    assert "重庆市城口中学不属于第二责任区。" in page.inner_text("main") and _refs(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"search-why-{size}")
