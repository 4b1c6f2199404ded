"""我的待办 (/todo) for each role, seeded through the real chat commands on the desk's demo county: Q1 (城口中学,
rectified at T0), Q2 (复兴中学, 限期5天) and, here, Q3 appealed, Q4 refused at verification (需重新整改), Q5 due
in a month, Q6 due on the day the desk is looked at, and 黄军's request to extend Q2. The desk's clock: 2024-03-21,
after 自查's due day (3/20), before 月报's (3/25)."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.harness import Harness
from tests.web.conftest import CKZX, FXZX, Desk, login

LOOKED = datetime.fromisoformat("2024-03-21T10:00:00+08:00")


@pytest.fixture
def todo_desk(desk: Desk, tmp_path: Path) -> Desk:
    async def seed() -> None:
        h = await Harness.create(desk.url, tmp_path, None)
        try:
            await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 教学常规 教案不全 限期2天", msg_id="todo-1")  # Q3
            await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 食品卫生 食堂台账缺失 限期1天", msg_id="todo-2")  # Q4
            await h.say(CKZX, "wxid_wangfang", "#整改 Q4 已补齐二月台账", msg_id="todo-3")
            await h.say(CKZX, "wxid_zhouyonghong", "#验收 Q4 不通过 仍缺三月记录", msg_id="todo-4")
            await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 校务管理 档案柜未上锁 限期30天", msg_id="todo-5")  # Q5
            await h.say(CKZX, "wxid_zhouyonghong", "#问题 城口中学 安全稳定 灭火器过期 限期10天", msg_id="todo-6")  # Q6: 3/21
            await h.say(CKZX, "wxid_wangfang", "#申诉 Q3 教案已齐全，检查时在教务处", msg_id="todo-7")
            await h.say(FXZX, "wxid_huangjun", "#申请延期 Q2 5天 需采购<设备>", msg_id="todo-8")
        finally:
            await h.close()

    desk.run(seed())
    desk.clock.advance_to(LOOKED)
    return desk


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section class="card" id="{key}">(.*?)</section>', html, re.S)
    assert match, key
    return match.group(1)


def _refs(html: str) -> list[str]:
    return re.findall(r'<a href="/findings/\d+">(Q\d+)</a>', html)


def _count(html: str, key: str) -> int:
    return int(re.search(r'<span class="sub">(\d+) 条</span>', _section(html, key)).group(1))


def test_the_navigation_leads_to_the_todo_page(todo_desk: Desk) -> None:
    client = todo_desk.client()
    assert client.get("/todo").headers["location"].startswith("/login")
    login(client, "p-liu")
    page = client.get("/ledger").text
    assert '<a href="/todo">我的待办</a>' in page


def test_a_supervisor_sees_what_waits_for_him(todo_desk: Desk) -> None:
    client = todo_desk.client()
    login(client, "p-zhou")  # 周永红: 城口中学, 一中, 实验小学; leads 第一责任区
    page = client.get("/todo")
    assert page.status_code == 200
    html = page.text
    assert _refs(_section(html, "verify")) == ["Q1"] and "验收超期" in _section(html, "verify")
    assert _refs(_section(html, "soon")) == ["Q6"]
    assert _refs(_section(html, "overdue")) == ["Q4"]  # Q3 申诉中: no delay counted; Q2 is not his school's
    assert _count(html, "extension") == 0 and "督导室批复" in _section(html, "extension")
    reports = _section(html, "reports")
    assert "督学月报" in reports and "责任区汇总" in reports and "待交" in reports
    assert "2024年2月" not in reports  # the county began in March: nothing owed for February
    assert "Q2" not in _refs(html) and "复兴中学" not in html  # (not a bare "Q2": the page's random CSRF token may hold it)


def test_a_supervisor_sees_the_requests_of_his_schools(todo_desk: Desk) -> None:
    client = todo_desk.client()
    login(client, "p-li")  # 李明: 葛城小学, 机关幼儿园 — nothing at his schools
    html = client.get("/todo").text
    assert all(_count(html, key) == 0 for key in ("verify", "extension", "soon", "overdue"))
    assert _refs(html) == []


def test_a_principal_sees_the_schools_work_and_the_self_check(todo_desk: Desk) -> None:
    client = todo_desk.client()
    login(client, "p-wangf")  # 王芳, 城口中学
    html = client.get("/todo").text
    assert _refs(_section(html, "overdue")) == ["Q4"]
    assert _refs(_section(html, "soon")) == ["Q6"]
    assert _refs(_section(html, "redo")) == ["Q4"]
    assert _refs(_section(html, "open")) == ["Q4", "Q3", "Q6", "Q5"]  # by deadline
    assert "申诉中" in _section(html, "open")
    reports = _section(html, "reports")
    assert "学校自查" in reports and "逾期未交" in reports and "城口中学" in reports
    assert "督学月报" not in reports
    assert {"Q1", "Q2"}.isdisjoint(_refs(html))  # Q1 waits for the supervisor, not the school

    other = todo_desk.client()
    login(other, "p-huangj")  # 黄军, 复兴中学: Q2 overdue (a request does not stop the clock)
    html = other.get("/todo").text
    assert _refs(_section(html, "overdue")) == ["Q2"] and "城口中学" not in html


def test_the_office_sees_the_countys_requests_appeals_and_missing_reports(todo_desk: Desk) -> None:
    client = todo_desk.client()
    login(client, "p-liu")
    html = client.get("/todo").text
    extension = _section(html, "extension")
    assert _refs(extension) == ["Q2"] and "需采购&lt;设备&gt;" in extension and "<设备>" not in extension
    assert _refs(_section(html, "appealing")) == ["Q3"]
    assert _refs(_section(html, "verify_late")) == ["Q1"]
    reports = _section(html, "reports")
    assert "学校自查" in reports and "逾期未交" in reports and "等 16 个" in reports
    assert 'href="/cycle?month=2024-03#自查"' in reports
    assert "督学月报" not in reports  # due on the 25th: not missing yet


def test_a_list_longer_than_shown_links_to_the_ledger(todo_desk: Desk) -> None:
    client = todo_desk.client()
    login(client, "p-wangf")
    html = client.get("/todo").text
    # every list is a ledger filter: the same findings under the same name
    ledger = client.get("/ledger", params={"status": "redo"}).text
    assert _refs(ledger) == ["Q4"] and "共 1 条" in ledger
    overdue = client.get("/ledger", params={"status": "overdue"}).text
    assert re.findall(r'<a href="/findings/\d+">(Q\d+)</a>', overdue) == _refs(_section(html, "overdue"))
