"""The 整改通知书 of one finding (/findings/{n}/notice and its Word download): what it says, a user's text escaped on
the page and neutralised in Word, who may open it; the 问题照片 hook (photos of the logging event, not the school's
rectification photos); and the ledger's paper and list cuts (the filters as one line of text, long descriptions cut
in the list, whole on the finding's page)."""
from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.storage import models as m
from tests.support.photos import photo
from tests.web.conftest import Desk, login

CONTROL_AND_OVERRIDE = "\x01\u202e地面\u202c积水&<w:t>"
REQUIREMENTS = "请你校高度重视，对照上述问题认真查找原因"


def _as(desk: Desk, username: str) -> TestClient:
    client = desk.client()
    assert login(client, username).status_code == 303
    return client


def _docx_text(data: bytes) -> tuple[list[str], list[str]]:
    doc = Document(io.BytesIO(data))
    return ([p.text for p in doc.paragraphs],
            [c.text for t in doc.tables for row in t.rows for c in row.cells])


def test_the_notice_says_who_what_by_when_and_what_to_do(desk: Desk) -> None:
    client = _as(desk, "p-liu")
    finding = client.get("/findings/2").text
    assert 'href="/findings/2/notice"' in finding and 'href="/findings/2/notice.docx"' in finding
    page = client.get("/findings/2/notice")
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", "", page.text)
    for part in ("城口县人民政府教育督导室", "整改通知书", "〔2024〕　　号", "城口县复兴中学：", "Q2", "食品卫生", "一般",
                 "发现日期2024年3月11日", "发现人陈静", "整改期限2024年3月16日前", REQUIREMENTS,
                 "“#整改 Q2 整改情况”", "“#申请延期 Q2 天数 原因”", "2024年3月11日"):
        assert part in text, part
    assert "<b>后厨</b>" not in page.text and "食堂&lt;b&gt;后厨&lt;/b&gt;地面积水" in page.text
    assert 'href="/static/notice.css"' in page.text
    assert "问题照片" not in text  # none kept for Q2


def test_the_word_notice_reads_back_with_the_same_content(desk: Desk) -> None:
    answer = _as(desk, "p-liu").get("/findings/2/notice.docx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E9%80%9A%E7%9F%A5%E4%B9%A6-Q2-" in answer.headers["content-disposition"]
    paragraphs, cells = _docx_text(answer.content)
    assert paragraphs[0] == "城口县人民政府教育督导室\n整改通知书"
    assert "〔2024〕　　号" in paragraphs and "城口县复兴中学：" in paragraphs
    assert [p for p in paragraphs if p.startswith("（一）请你校高度重视")] == [
        "（一）请你校高度重视，对照上述问题认真查找原因，制定整改措施，明确责任人，于2024年3月16日前整改到位。"]
    assert paragraphs[-2:] == ["城口县人民政府教育督导室", "2024年3月11日"]
    assert dict(zip(cells[::2], cells[1::2], strict=True)) == {
        "问题编号": "Q2", "学校": "城口县复兴中学", "问题类别": "食品卫生", "严重程度": "一般",
        "发现日期": "2024年3月11日", "发现人": "陈静", "问题描述": "食堂<b>后厨</b>地面积水",  # words, not markup
        "整改期限": "2024年3月16日前"}
    assert not any("{{" in p or "{%" in p for p in paragraphs + cells)


def test_hostile_text_is_neutralised_in_word_and_escaped_on_the_page(desk: Desk) -> None:
    async def store() -> None:  # as an older version stored it, past today's doors
        async with desk.db.transaction() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 2))
            finding.description = CONTROL_AND_OVERRIDE
    desk.run(store())
    client = _as(desk, "p-liu")
    _, cells = _docx_text(client.get("/findings/2/notice.docx").content)
    assert "地面积水&<w:t>" in cells  # the control and the override gone, < and & kept as text
    page = client.get("/findings/2/notice").text
    assert "地面积水&amp;&lt;w:t&gt;" in page and "\u202e" not in page and "<w:t>" not in page


def test_only_those_who_may_see_the_finding_get_its_notice(desk: Desk) -> None:
    anonymous = desk.client()
    for url in ("/findings/2/notice", "/findings/2/notice.docx"):
        assert anonymous.get(url).headers["location"].startswith("/login?next=")
    other = _as(desk, "p-wangf")  # 城口中学's principal: 复兴中学's Q2 is not there for her
    for url in ("/findings/2/notice", "/findings/2/notice.docx", "/findings/99/notice"):
        answer = other.get(url)
        assert answer.status_code == 404 and "没有找到" in answer.text and "复兴" not in answer.text, url
    own = _as(desk, "p-huangj")  # 复兴中学's principal
    assert own.get("/findings/2/notice").status_code == 200
    assert own.get("/findings/2/notice.docx").status_code == 200
    assert own.get("/findings/1/notice").status_code == 404


def test_problem_photos_are_those_of_the_logging_event_never_the_rectification_ones(desk: Desk) -> None:
    """A photo attached to the logging event (as the chat attaches the finder's photos after #问题) is shown and
    embedded; Q1's rectification photo never is."""
    async def attach() -> int:
        async with desk.db.transaction() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 2))
            created = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id,
                                                                  m.FindingEvent.kind == "created"))
            image = photo("problem.png", seed=7, size=(200, 150))
            path = Path(desk.settings.evidence_dir) / "problem.png"
            path.write_bytes(image.data)
            row = m.Evidence(finding_id=finding.id, event_id=created.id, sender_chat_id="wxid_chenjing",
                             path=str(path), sha256="0" * 64, size=len(image.data), name="problem.png",
                             mime="image/png", received_at=created.at)
            s.add(row)
            await s.flush()
            return row.id
    client = _as(desk, "p-liu")
    q1 = client.get("/findings/1/notice").text
    assert "问题照片" not in q1 and "/evidence/" not in q1  # Q1 has a rectification photo only
    photo_id = desk.run(attach())
    page = client.get("/findings/2/notice").text
    assert "问题照片" in page and f'src="/evidence/{photo_id}"' in page
    doc = Document(io.BytesIO(client.get("/findings/2/notice.docx").content))
    assert len(doc.inline_shapes) == 1 and "问题照片：" in [p.text for p in doc.paragraphs]
    assert len(Document(io.BytesIO(client.get("/findings/1/notice.docx").content)).inline_shapes) == 0


def test_the_ledger_prints_its_filters_as_a_line_and_cuts_long_descriptions(desk: Desk) -> None:
    whole = "长" * 4990 + "描述的最后十个字。"

    async def store() -> None:
        async with desk.db.transaction() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 1))
            finding.description = whole
    desk.run(store())
    client = _as(desk, "p-liu")
    page = client.get("/ledger", params={"school": desk.schools["重庆市城口中学"], "status": "rectified",
                                         "q": "长<"}).text
    assert '<p class="print-only filterline">筛选条件：学校：重庆市城口中学；状态：待验收；文字：长&lt;</p>' in page
    plain = client.get("/ledger").text
    assert '<p class="print-only filterline">筛选条件：无（全部问题）</p>' in plain
    assert "长" * 119 + "…" in plain and "长" * 120 not in plain and "最后十个字" not in plain
    assert whole in client.get("/findings/1").text  # the whole text on the finding's page
