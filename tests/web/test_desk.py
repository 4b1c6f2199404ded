"""The desk through HTTP: log in, the ledger and its filters, a finding with its history and photo, charts."""
from __future__ import annotations

from tests.web.conftest import Desk, login


def test_office_logs_in_and_sees_the_whole_ledger(desk: Desk) -> None:
    client = desk.client()
    assert client.get("/ledger").headers["location"].startswith("/login")
    answer = login(client, "p-liu")
    assert answer.status_code == 303 and answer.headers["location"] == "/ledger"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/ledger")
    assert page.status_code == 200 and "刘建国" in page.text
    assert "Q1" in page.text and "Q2" in page.text and "共 2 条" in page.text
    assert "content-security-policy" in page.headers


def test_filters_narrow_the_ledger(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    by_school = client.get("/ledger", params={"school": desk.schools["城口县复兴中学"]}).text
    assert "/findings/2" in by_school and "/findings/1" not in by_school and "共 1 条" in by_school
    rectified = client.get("/ledger", params={"status": "rectified"}).text
    assert "/findings/1" in rectified and "/findings/2" not in rectified
    text = client.get("/ledger", params={"q": "消防"}).text
    assert "/findings/1" in text and "/findings/2" not in text
    category = client.get("/ledger", params={"category": "食品卫生", "severity": "一般"}).text
    assert "/findings/2" in category and "/findings/1" not in category
    none = client.get("/ledger", params={"q": "%"}).text  # a LIKE wildcard is a character, not "anything"
    assert "没有符合条件的问题" in none


def test_nonsense_filters_are_ignored_politely(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/ledger", params={"district": "abc", "school": "99999999", "status": "DROP TABLE",
                                         "colour": "紫", "page": "-3", "severity": "x" * 500})
    assert page.status_code == 200 and "已忽略" in page.text and "Traceback" not in page.text
    assert "/findings/1" in page.text and "/findings/2" in page.text
    assert client.get("/ledger", params={"page": "999"}).status_code == 200
    assert client.get("/findings/abc").status_code == 404
    assert client.get("/findings/999").status_code == 404


def test_a_finding_shows_fields_history_and_its_photo(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/findings/1")
    assert page.status_code == 200
    for text in ("重庆市城口中学", "消防通道堆放杂物", "待验收", "录入", "报告整改", "已清理通道并张贴标识", "周永红",
                 f'src="/evidence/{desk.photo_id}"'):
        assert text in page.text, text
    image = client.get(f"/evidence/{desk.photo_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_user_text_is_escaped(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/findings/2").text
    assert "<b>后厨</b>" not in page and "&lt;b&gt;后厨&lt;/b&gt;" in page


def test_charts_are_svg_drawn_on_the_server(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/charts")
    assert page.status_code == 200 and page.text.count("<svg") == 5
    assert "第一责任区" in page.text and "食品卫生" in page.text and "0%" in page.text


def test_the_on_time_rate_counts_findings_closed_having_been_rectified_in_time(desk: Desk, tmp_path) -> None:
    import re

    from tests.support.harness import Harness
    from tests.web.conftest import CKZX

    async def verify() -> None:
        h = await Harness.create(desk.url, tmp_path, None)
        try:
            await h.say(CKZX, "wxid_zhouyonghong", "#验收 Q1 通过")
        finally:
            await h.close()

    desk.run(verify())
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/charts").text
    on_time = page[page.index("各责任区按期整改率"):page.index("近 12 周")]
    values = dict(re.findall(r'class="label">([^<]+)</text>.*?class="value">([^<]+)</text>', on_time, re.S))
    # Q1 reported at once; Q2 not due, not closed; 第三责任区 has no finding: shown, with nothing to divide
    assert values == {"第一责任区": "100%", "第二责任区": "—", "第三责任区": "—"}


def test_the_stylesheet_is_served_from_the_package(desk: Desk) -> None:
    css = desk.client().get("/static/desk.css")
    assert css.status_code == 200 and "@media" in css.text


def test_colour_and_overdue_filters_follow_the_clock(desk: Desk) -> None:
    from datetime import timedelta

    from tests.support.harness import T0

    client = desk.client()
    login(client, "p-liu")
    desk.clock.advance_to(T0 + timedelta(days=3))  # Q2 (open) due within two working days: blue
    blue = client.get("/ledger", params={"colour": "blue"}).text
    assert "/findings/2" in blue and "/findings/1" not in blue and "蓝色督办" in blue
    desk.clock.advance_to(T0 + timedelta(days=10))  # Q2 overdue, not yet past the ladder's last step: yellow
    yellow = client.get("/ledger", params={"colour": "yellow"}).text
    assert "/findings/2" in yellow and "/findings/1" not in yellow
    assert "没有符合条件的问题" in client.get("/ledger", params={"colour": "red"}).text
    overdue = client.get("/ledger", params={"status": "overdue"}).text
    # 整改逾期 is the school's delay: Q1's rectification, reported in time, awaits its verification
    assert "/findings/2" in overdue and "/findings/1" not in overdue and "整改逾期" in overdue
    late = client.get("/ledger", params={"status": "verify_late"}).text  # reported 3-11, five working days gone
    assert "/findings/1" in late and "/findings/2" not in late and "验收超期</span>" in late


def test_the_ledger_sorts_by_a_column_both_ways_and_names_a_sort_it_does_not_know(desk: Desk) -> None:
    import re

    client = desk.client()
    login(client, "p-liu")

    def order(query: str) -> list[str]:
        return re.findall(r'<a href="/findings/\d+">(Q\d+)</a>', client.get("/ledger" + query).text)

    assert order("") == ["Q2", "Q1"]  # newest first
    assert order("?sort=deadline") == ["Q1", "Q2"]  # due 3-14, then 3-16
    assert order("?sort=deadline&dir=desc") == ["Q2", "Q1"]
    assert order("?sort=school&dir=asc") == ["Q2", "Q1"]  # 城口县复兴中学 before 重庆市城口中学
    page = client.get("/ledger?sort=deadline").text
    assert "期限 ▲" in page and 'href="/ledger?sort=deadline&amp;dir=desc"' in page  # the header turns it round
    nonsense = client.get("/ledger?sort=password&dir=sideways")
    assert nonsense.status_code == 200 and "排序" in nonsense.text and re.findall(r"Q\d", nonsense.text)


def test_the_ledger_filters_by_source_and_a_finding_shows_its_own(desk: Desk) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = desk.client()
    login(client, "p-liu")
    city = client.get("/ledger", params={"source": "city"}).text
    assert "/findings/2" in city and "/findings/1" not in city and "共 1 条" in city
    assert '<span class="source">市级督查</span>' in city
    routine = client.get("/ledger", params={"source": "routine"}).text
    assert "/findings/1" in routine and "/findings/2" not in routine
    nonsense = client.get("/ledger", params={"source": "<script>"}).text
    assert "已忽略：来源" in nonsense and "/findings/1" in nonsense and "<script>" not in nonsense
    assert "<dt>来源</dt><dd>市级督查</dd>" in client.get("/findings/2").text
    assert "<dt>来源</dt><dd>经常性督导</dd>" in client.get("/findings/1").text
    book = load_workbook(BytesIO(client.get("/ledger.xlsx", params={"source": "city"}).content))["整改台账"]
    rows = list(book.iter_rows(values_only=True))
    assert "来源：市级督查" in rows[1][0]  # the subtitle says what the rows cover
    assert [dict(zip(rows[2], r, strict=True))["来源"] for r in rows[3:]] == ["市级督查"]


def test_a_finding_under_appeal_shows_it_on_the_desk_and_is_in_no_overdue_filter(desk: Desk, tmp_path) -> None:
    """申诉中: on the finding's page (its history too), in the ledger and its filter, and in neither delay's filter
    nor a colour while the office decides (Q2 past its deadline, Q1's report past its verification days)."""
    from datetime import timedelta

    from tests.support.harness import T0, Harness
    from tests.web.conftest import CKZX, FXZX

    async def appeal() -> None:
        h = await Harness.create(desk.url, tmp_path, None)
        try:
            await h.say(FXZX, "wxid_huangjun", "#申诉 Q2 积水系连日降雨所致，已排水")
            await h.say(CKZX, "wxid_wangfang", "#申诉 Q1 通道杂物系施工方临时堆放")
        finally:
            await h.close()

    desk.run(appeal())
    client = desk.client()
    login(client, "p-liu")
    desk.clock.advance_to(T0 + timedelta(days=10))
    page = client.get("/findings/2").text
    assert '<span class="appeal">申诉中</span>' in page and "积水系连日降雨所致" in page
    ledger = client.get("/ledger").text
    assert ledger.count('<span class="appeal">申诉中</span>') == 2 and "整改逾期</span>" not in ledger
    appealing = client.get("/ledger", params={"status": "appealing"}).text
    assert "/findings/1" in appealing and "/findings/2" in appealing
    for params in ({"status": "overdue"}, {"status": "verify_late"}, {"colour": "yellow"}):
        assert "没有符合条件的问题" in client.get("/ledger", params=params).text, params
