"""The monthly cycle (/cycle), the start-of-term checks (/terms), the weekly overdue chart and the ledger workbook
(/ledger.xlsx) through HTTP — each showing only what the viewer may see."""
from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import unquote

from openpyxl import load_workbook

from tests.web.conftest import Desk, login


def _row(html: str, label: str) -> str:
    """The text of the table row whose first cell is `label` (tags dropped)."""
    match = re.search(r"<tr[^>]*>\s*<td[^>]*>" + re.escape(label) + r"</td>(.*?)</tr>", html, re.S)
    assert match, label
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def _section(html: str, kind: str) -> str:
    match = re.search(rf'<section class="card" id="{kind}">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def test_the_office_sees_the_whole_month(cycle_desk: Desk) -> None:
    client = cycle_desk.client()
    login(client, "p-liu")
    page = client.get("/cycle")  # the clock says 2024-03-22: March by default
    assert page.status_code == 200 and "2024年3月" in page.text
    self_checks = _section(page.text, "自查")
    assert "2 / 16 已交" in self_checks and "3月20日截止" in self_checks
    assert _row(self_checks, "城口中学") == "第一责任区 已交 王芳 2024-03-12 09:30"
    assert _row(self_checks, "复兴中学") == "第二责任区 已交 逾期提交 黄军 2024-03-21 11:00"
    assert _row(self_checks, "实验小学").startswith("第一责任区 逾期未交 应交：刘洋")
    reports = _section(page.text, "月报")
    assert _row(reports, "周永红") == "第一责任区 已交 周永红 2024-03-15 16:00"
    assert "未交（未到截止日）" in _row(reports, "李明")  # 月报 is due on the 25th
    summaries = _section(page.text, "汇总")
    assert "已交" in _row(summaries, "第一责任区") and "未交" in _row(summaries, "第二责任区")


def test_another_month_and_a_nonsense_month(cycle_desk: Desk) -> None:
    client = cycle_desk.client()
    login(client, "p-liu")
    february = client.get("/cycle", params={"month": "2024-02"}).text
    assert "2024年2月" in february and "0 / 16 已交" in february and "2024-03-12" not in february
    for nonsense in ("2024-13", "abc", "1999-01", "2024-03-01' OR 1=1", "9" * 400):
        page = client.get("/cycle", params={"month": nonsense})
        assert page.status_code == 200 and "月份无效" in page.text and "2024年3月" in page.text, nonsense


def test_each_role_sees_its_own_part_of_the_cycle(cycle_desk: Desk) -> None:
    lead = cycle_desk.client()
    login(lead, "p-zhou")  # 周永红 leads 第一责任区
    page = lead.get("/cycle").text
    assert "城口中学" in _section(page, "自查") and "复兴中学" not in page
    assert "李明" in _section(page, "月报") and "陈静" not in page
    assert "第一责任区" in _section(page, "汇总") and "第二责任区" not in page

    supervisor = cycle_desk.client()
    login(supervisor, "p-li")  # 李明: 葛城小学 and 机关幼儿园
    page = supervisor.get("/cycle").text
    assert "0 / 2 已交" in _section(page, "自查") and "逾期未交：葛城小学、机关幼儿园" in page
    assert "葛城小学" in page and "城口中学" not in page
    assert "李明" in _section(page, "月报") and "周永红" not in page
    assert _section(page, "汇总") == ""

    principal = cycle_desk.client()
    login(principal, "p-huangj")  # 黄军, 复兴中学
    page = principal.get("/cycle").text
    assert _row(_section(page, "自查"), "复兴中学").startswith("第二责任区 已交")
    assert "城口中学" not in page and "王芳" not in page
    assert _section(page, "月报") == "" and _section(page, "汇总") == ""


def test_term_checks_show_progress_and_the_window_findings(cycle_desk: Desk) -> None:
    client = cycle_desk.client()
    login(client, "p-liu")
    page = client.get("/terms").text  # 2023年秋季学期: the last window opened before 2024-03-22
    assert "2023年秋季学期" in page and "已结束" in page and "已完成 2 / 16 所" in page
    assert _row(page, "重庆市城口中学") == "第一责任区 周永红 已完成 周永红 2023-09-04 10:00 2 个"
    assert _row(page, "城口县实验小学").startswith("第一责任区 周永红 已检查，未完成 周永红")
    assert "未检查" in _row(page, "城口县葛城小学")
    spring = client.get("/terms", params={"term": "2023年春季学期"}).text
    assert "已完成 0 / 16 所" in spring
    odd = client.get("/terms", params={"term": "<script>x</script>"})
    assert odd.status_code == 200 and "没有这个学期" in odd.text and "<script>x" not in odd.text

    principal = cycle_desk.client()
    login(principal, "p-wangf")
    page = principal.get("/terms").text
    assert "已完成 1 / 1 所" in page and "重庆市城口中学" in page and "复兴中学" not in page


def test_the_weekly_overdue_chart(cycle_desk: Desk) -> None:
    client = cycle_desk.client()
    login(client, "p-liu")
    page = client.get("/charts").text
    assert "近 12 周整改逾期问题数" in page
    weeks = re.findall(r"<title>(\d+月\d+日—\d+月\d+日)：(\d+) 个</title>", page)
    # Q2 is past its deadline, unreported; Q1 is past its deadline too, but reported in time: not the school's delay
    assert len(weeks) == 12 and weeks[-1] == ("3月18日—3月24日", "1")
    assert weeks[-2][0] == "3月11日—3月17日" and all(n == "0" for _, n in weeks[:-2])
    principal = cycle_desk.client()
    login(principal, "p-huangj")
    mine = re.findall(r"<title>[^<]*：(\d+) 个</title>", principal.get("/charts").text)
    assert mine[-1] == "1"  # only 复兴中学's Q2


def test_the_ledger_workbook_follows_the_filters_and_the_viewer(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/ledger", params={"status": "open"}).text
    link = re.search(r'href="(/ledger\.xlsx[^"]*)"', page).group(1)
    assert link == "/ledger.xlsx?status=open"
    answer = client.get(link)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger-') and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("整改台账-")
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:3] == ("序号", "编号", "学校") and [r[1] for r in rows[3:]] == ["Q2"]
    assert rows[1][0].startswith("状态：待整改　")  # the subtitle says what the filters kept
    everything = load_workbook(BytesIO(client.get("/ledger.xlsx").content)).active
    rows = list(everything.iter_rows(values_only=True))
    assert [r[1] for r in rows[3:]] == ["Q1", "Q2"] and rows[1][0].startswith("全部问题")

    principal = desk.client()
    login(principal, "p-huangj")
    own = load_workbook(BytesIO(principal.get("/ledger.xlsx").content)).active
    assert [r[1] for r in list(own.iter_rows(values_only=True))[3:]] == ["Q2"]
    other = principal.get("/ledger.xlsx", params={"school": desk.schools["重庆市城口中学"], "page": "x"})
    rows = list(load_workbook(BytesIO(other.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[3:]] == ["Q2"]  # another school's id is ignored, as on the page


def test_new_pages_need_a_login(desk: Desk) -> None:
    client = desk.client()
    for url in ("/cycle", "/terms", "/ledger.xlsx?status=open"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), url


def test_the_help_page_says_what_every_figure_counts_and_the_charts_give_their_formulas(desk: Desk) -> None:
    from bot.domain.figures import FIGURES

    client = desk.client()
    login(client, "p-zhou")  # everyone on the roster reads the same definitions
    page = client.get("/help").text
    assert 'id="figures"' in page and "验收超期的规定时限为 5 个工作日" in page
    for f in FIGURES:
        assert f"<td data-label=\"指标\">{f.name}</td>" in page and f.counts in page
    charts = client.get("/charts").text
    assert "整改率＝已销号 ÷ (新发现 − 已撤销)" in charts and "按期整改率＝按期整改 ÷ 已到期" in charts
    assert 'href="/help#figures"' in charts
