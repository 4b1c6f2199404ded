"""The ledger's search box (编号 as typed, a school's name found as chat finds it, the words of a description or of a
整改情况), the reasons a filter cannot match, said on the page, and the cycle page's report texts — escaped, long
ones folded."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.harness import Harness
from tests.web.conftest import CKZX, D1, Desk, login

OFFICE = "room-office@chatroom"


def _refs(html: str) -> list[str]:
    return re.findall(r'<a href="/findings/\d+">(Q\d+)</a>', html)


def _problems(html: str) -> list[str]:
    return re.findall(r'<p class="problem">([^<]*)</p>', html)


@pytest.mark.parametrize("typed", ["Q2", "q2", "2", "Ｑ２", "２", " q 2 ", "Q0002"])
def test_a_finding_is_found_by_its_number_as_typed(desk: Desk, typed: str) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/ledger", params={"q": typed}).text
    assert _refs(page) == ["Q2"] and "共 1 条" in page


def test_a_school_is_found_by_its_name_short_name_or_a_fragment(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    for typed in ("城口县复兴中学", "复兴中学", "复兴"):
        assert _refs(client.get("/ledger", params={"q": typed}).text) == ["Q2"], typed
    assert _refs(client.get("/ledger", params={"q": "城中"}).text) == ["Q1"]  # a registered short name
    # a name typed into the address instead of the list's id
    assert _refs(client.get("/ledger", params={"school": "复兴中学"}).text) == ["Q2"]
    # part of several schools' names: searched as words, the schools offered
    page = client.get("/ledger", params={"q": "镇中心小学"}).text
    assert "也是这些学校名称的一部分" in page and "城口县修齐镇中心小学" in page


def test_a_district_or_several_schools_are_found_as_chat_reads_them(desk: Desk) -> None:
    """The search box reads places as chat and the CLI do (bot.domain.place_words): a district by its name or its
    everyday short forms, several schools joined by 、 or 和 (docs/design.md, "Places in words")."""
    client = desk.client()
    login(client, "p-liu")
    for typed in ("第一责任区", "一区", "第一区", "1区"):
        assert _refs(client.get("/ledger", params={"q": typed}).text) == ["Q1"], typed
    assert _refs(client.get("/ledger", params={"q": "二区"}).text) == ["Q2"]
    for typed in ("城口中学、复兴中学", "城口中学和复兴中学", "城中,复兴"):
        assert sorted(_refs(client.get("/ledger", params={"q": typed}).text)) == ["Q1", "Q2"], typed
    # a district the viewer has no school in is only words: nothing found, nothing told
    login(client, "p-huangj")  # 黄军, 复兴中学
    assert _refs(client.get("/ledger", params={"q": "第一责任区"}).text) == []
    assert _refs(client.get("/ledger", params={"q": "城口中学、复兴中学"}).text) == []


def test_the_words_of_a_rectification_report_find_its_finding(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/ledger", params={"q": "张贴标识"}).text  # Q1's 整改情况, not in its description
    assert _refs(page) == ["Q1"]
    assert _refs(client.get("/ledger", params={"q": "后厨"}).text) == ["Q2"]  # a description still is searched
    assert _refs(client.get("/ledger", params={"q": "整改"}).text) == []  # the command word is not the report


def test_the_searched_words_follow_corrections_and_every_report(desk: Desk, tmp_path: Path) -> None:
    """The words searched are kept by the database (alembic 0014's triggers), whoever writes: a corrected
    description replaces the old one, a second report's note is added to the first's."""
    async def change() -> None:
        h = await Harness.create(desk.url, tmp_path, None)
        try:
            await h.say(OFFICE, "wxid_liujianguo", "#修改 Q2 描述 食堂留样柜未上锁", msg_id="search-1")
            await h.say(CKZX, "wxid_zhouyonghong", "#验收 Q1 不通过 标识太小", msg_id="search-2")
            await h.say(CKZX, "wxid_wangfang", "#整改 Q1 换了大号反光标识", msg_id="search-3")
        finally:
            await h.close()

    desk.run(change())
    client = desk.client()
    login(client, "p-liu")
    assert _refs(client.get("/ledger", params={"q": "留样柜"}).text) == ["Q2"]
    assert _refs(client.get("/ledger", params={"q": "后厨"}).text) == []  # the old description is gone
    assert _refs(client.get("/ledger", params={"q": "反光标识"}).text) == ["Q1"]
    assert _refs(client.get("/ledger", params={"q": "张贴标识"}).text) == ["Q1"]  # the first report still counts
    assert _refs(client.get("/ledger", params={"q": "标识太小"}).text) == []  # a refusal's reason is not a report


def test_a_principal_finds_only_the_own_schools_findings(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-huangj")  # 黄军, 复兴中学
    for typed in ("Q1", "1"):
        page = client.get("/ledger", params={"q": typed}).text
        assert _refs(page) == [] and "您可查看的问题中没有编号为 Q1 的问题。" in _problems(page)
    missing = client.get("/ledger", params={"q": "Q999"}).text  # the same words as another school's
    assert "您可查看的问题中没有编号为 Q999 的问题。" in _problems(missing)
    other = client.get("/ledger", params={"q": "城口中学"}).text  # another school: as unknown as a made-up one
    assert _refs(other) == [] and any(p.startswith("没有找到学校“城口中学”") for p in _problems(other))
    assert "张贴标识" not in other


def test_a_filter_that_cannot_match_says_why(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    districts = dict(re.findall(r'<option value="(\d+)"[^>]*>(第.责任区)</option>', client.get("/ledger").text))
    second = {name: did for did, name in districts.items()}["第二责任区"]
    page = client.get("/ledger", params={"district": second, "school": desk.schools["重庆市城口中学"]}).text
    assert "共 0 条" in page and "重庆市城口中学不属于第二责任区。" in _problems(page)
    page = client.get("/ledger", params={"district": second, "q": "城口中学"}).text
    assert "重庆市城口中学不属于第二责任区。" in _problems(page)
    page = client.get("/ledger", params={"school": desk.schools["城口县复兴中学"], "q": "城口中学"}).text
    assert "搜索的重庆市城口中学与所选的城口县复兴中学不是同一所学校。" in _problems(page)
    unknown = client.get("/ledger", params={"q": "城口县复兴小学"}).text
    assert _refs(unknown) == []
    assert any(p.startswith("没有找到学校“城口县复兴小学”，最接近的是：") and "城口县复兴中学" in p
               for p in _problems(unknown))
    named = client.get("/ledger", params={"school": "复兴小学"}).text  # a name in the address: the same words
    assert any(p.startswith("没有找到学校“复兴小学”") for p in _problems(named))
    reversed_dates = client.get("/ledger", params={"from": "2024-03-20", "to": "2024-03-01"}).text
    assert "发现日期的起点（2024-03-20）晚于终点（2024-03-01）。" in _problems(reversed_dates)
    other_filter = client.get("/ledger", params={"q": "Q1", "status": "open"}).text
    assert "Q1 是重庆市城口中学的问题，目前待验收，不符合所选的其他筛选条件。" in _problems(other_filter)
    hostile = client.get("/ledger", params={"q": "<script>复兴小学"}).text
    assert "<script>复兴" not in hostile and "&lt;script&gt;" in hostile


def test_the_cycle_page_shows_each_reports_text_escaped_and_folded(cycle_desk: Desk, tmp_path: Path) -> None:
    long_text = "三月到校督导情况：" + "检查食堂与消防通道，" * 30 + "<b>完</b>"

    async def seed() -> None:
        h = await Harness.create(cycle_desk.url, tmp_path, None)
        try:
            await h.say(D1, "wxid_liming", f"#月报 {long_text}", at="2024-03-20T16:00:00+08:00", msg_id="said-1")
        finally:
            await h.close()

    cycle_desk.run(seed())
    client = cycle_desk.client()
    login(client, "p-liu")
    page = client.get("/cycle").text
    assert "本月自查完成" in page and "食堂整改完成" in page and "第一责任区3月工作汇总" in page
    assert "<b>完</b>" not in page and "&lt;b&gt;完&lt;/b&gt;" in page
    folded = re.search(r"<details><summary>(.*?)</summary>(.*?)</details>", page, re.S)
    assert folded and "展开全文" in folded.group(1) and "检查食堂与消防通道，" * 30 in folded.group(2)
    principal = cycle_desk.client()
    login(principal, "p-huangj")
    own = principal.get("/cycle").text
    assert "食堂整改完成" in own and "本月自查完成" not in own and "三月到校督导情况" not in own
