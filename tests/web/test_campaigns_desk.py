"""/campaigns on the desk: the list, and a campaign's progress with the items found 不符合 by school — each role
seeing only its schools (the office all, a supervisor his, a principal her school)."""
from __future__ import annotations

import re

from tests.web.conftest import Desk, login


def _row(page: str, school: str) -> str:
    match = re.search(r"<tr[^>]*>\s*<td[^>]*>" + re.escape(school) + r"</td>(.*?)</tr>", page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def _campaign_id(page: str) -> str:
    return re.search(r'href="/campaigns\?id=(\d+)"', page).group(1)


def test_the_office_sees_every_school_and_the_findings(campaign_desk: Desk) -> None:
    client = campaign_desk.client()
    login(client, "p-liu")
    listing = client.get("/campaigns").text
    assert "双减专项督导" in listing and "2024-03-11 至 2024-03-29" in listing and "进行中" in listing
    page = client.get("/campaigns", params={"id": _campaign_id(listing)}).text
    assert "已完成 1 / 16 所 · 不符合项 1 个" in page and "2.课后服务开展（不符合 1 所）" in page
    assert _row(page, "重庆市城口中学") == "第一责任区 周永红 已完成 3 / 3 2.课后服务开展（课后服务未覆盖全部学生） Q3"
    assert _row(page, "城口县葛城小学") == "第一责任区 李明 已登记部分 1 / 3"
    assert "未检查" in _row(page, "城口县复兴中学")
    assert 'href="/findings/3"' in page and "专项督导通报（Word）" in page
    odd = client.get("/campaigns", params={"id": "<script>"})
    assert odd.status_code == 200 and "没有这项专项督导" in odd.text and "<script>" not in odd.text


def test_each_role_sees_its_own_schools(campaign_desk: Desk) -> None:
    supervisor = campaign_desk.client()
    login(supervisor, "p-li")
    listing = supervisor.get("/campaigns").text
    page = supervisor.get("/campaigns", params={"id": _campaign_id(listing)}).text
    assert "已完成 0 / 2 所" in page and "城口县葛城小学" in page and "重庆市城口中学" not in page
    assert "专项督导通报（Word）" not in page

    principal = campaign_desk.client()
    login(principal, "p-wangf")
    page = principal.get("/campaigns", params={"id": _campaign_id(listing)}).text
    assert "已完成 1 / 1 所" in page and "重庆市城口中学" in page and "葛城小学" not in page


def test_the_office_downloads_the_campaign_bulletin(campaign_desk: Desk) -> None:
    import io

    from docx import Document

    client = campaign_desk.client()
    login(client, "p-liu")
    number = _campaign_id(client.get("/campaigns").text)
    answer = client.get(f"/campaigns/{number}.docx", params={"as_of": "2024-03-20"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxml")
    texts = [p.text for p in Document(io.BytesIO(answer.content)).paragraphs]
    assert texts[0].endswith("关于双减专项督导情况的通报") and texts[-1] == "2024年3月20日"
    assert client.get(f"/campaigns/{number}.docx", params={"as_of": "2024-04-30"}).status_code == 400
    assert client.get("/campaigns/999.docx").status_code == 404
    supervisor = campaign_desk.client()
    login(supervisor, "p-li")
    assert supervisor.get(f"/campaigns/{number}.docx").status_code == 403
