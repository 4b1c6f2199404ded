"""The desk's 督学考核 page and its downloads: who may see what (office all, a district lead the own district,
anyone else a polite 403), the period selector, 考核.xlsx and the 通报 .docx with Chinese file names (RFC 5987)."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.storage import models as m
from bot.web.accounts import set_password
from tests.support.harness import T0
from tests.web.conftest import Desk, login


async def _account(desk: Desk, key: str, password: str) -> None:
    async with desk.db.transaction() as s:
        person = await s.scalar(select(m.Person).where(m.Person.key == key))
        await set_password(s, person, password, T0)


def _lead(desk: Desk):  # noqa: ANN202 — a logged-in TestClient of 周永红, lead of 第一责任区
    desk.run(_account(desk, "p-zhou", "lead-pass-4"))
    client = desk.client()
    login(client, "p-zhou", "lead-pass-4")
    return client


def test_the_office_sees_every_supervisor(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/assessment")
    assert page.status_code == 200 and "责任督学考核 · 2024年3月" in page.text
    for name in ("周永红", "李明", "陈静", "杨志强", "何丽", "吴海波", "合计"):
        assert name in page.text, name
    assert 'href="/assessment"' in page.text and 'href="/bulletin.docx"' in page.text  # both in the nav
    assert "/assessment.xlsx?month=2024-03" in page.text and "/bulletin.docx?month=2024-03" in page.text
    assert '<option value="2024-02">2024年2月</option>' in page.text


def test_a_district_lead_sees_only_the_own_district(desk: Desk) -> None:
    client = _lead(desk)
    page = client.get("/assessment")
    assert page.status_code == 200 and "第一责任区" in page.text
    assert "周永红" in page.text and "李明" in page.text and "陈静" not in page.text and "何丽" not in page.text
    assert "/bulletin.docx" not in page.text  # the 通报 is the office's
    sheet = client.get("/assessment.xlsx", params={"month": "2024-03"})
    assert sheet.status_code == 200
    names = [r[2] for r in load_workbook(io.BytesIO(sheet.content))["考核"].iter_rows(values_only=True)][3:]
    assert names == ["周永红", "李明", "2人"]
    refused = client.get("/bulletin.docx")
    assert refused.status_code == 403 and "由督导室下载印发" in refused.text


def test_a_principal_is_refused_politely(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-wangf")
    for path in ("/assessment", "/assessment.xlsx", "/bulletin.docx?month=2024-03"):
        answer = client.get(path)
        assert answer.status_code == 403 and "Traceback" not in answer.text, path
        assert "content-disposition" not in answer.headers
    assert "只对督导室和责任区负责人开放" in client.get("/assessment").text
    assert 'href="/assessment"' not in client.get("/ledger").text  # not in the nav either


def test_downloads_need_a_login(desk: Desk) -> None:
    client = desk.client()
    for path in ("/assessment", "/assessment.xlsx?month=2024-03", "/bulletin.docx"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path


def test_assessment_xlsx_download_has_a_chinese_file_name(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    sheet = client.get("/assessment.xlsx", params={"month": "2024-03"})
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = sheet.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="assessment-2024-03-01.xlsx"')
    assert f"filename*=UTF-8''{quote('责任督学考核-2024-03.xlsx')}" in disposition
    rows = {r[2]: r for r in load_workbook(io.BytesIO(sheet.content))["考核"].iter_rows(values_only=True)}
    assert rows["周永红"][9] == 1 and rows["陈静"][9] == 1  # each logged one finding


def test_bulletin_docx_download(desk: Desk) -> None:
    desk.clock.advance_to(T0 + timedelta(days=10))  # Q2 (due in five days) is overdue by now
    client = desk.client()
    login(client, "p-liu")
    answer = client.get("/bulletin.docx", params={"month": "2024年3月"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert f"filename*=UTF-8''{quote('城口县2024年3月督导通报.docx')}" in answer.headers["content-disposition"]
    doc = Document(io.BytesIO(answer.content))
    assert doc.paragraphs[0].text.endswith("关于2024年3月责任督学挂牌督导工作情况的通报")
    overdue, late = ([[c.text for c in r.cells] for r in t.rows] for t in doc.tables[2:])
    assert [row[1:3] for row in overdue[1:]] == [["Q2", "城口县复兴中学"]]  # the school has not reported
    assert "食堂<b>后厨</b>地面积水" in overdue[1][4]  # a user's markup stays text
    assert [row[1:3] for row in late[1:]] == [["Q1", "重庆市城口中学"]]  # reported, not verified: 验收超期


def test_bad_periods_are_polite(desk: Desk) -> None:
    client = desk.client()
    login(client, "p-liu")
    page = client.get("/assessment", params={"month": "2024-13"})
    assert page.status_code == 200 and "没能看懂“2024-13”" in page.text and "2024年3月" in page.text
    assert client.get("/assessment.xlsx", params={"month": "<script>"}).status_code == 400
    assert "&lt;script&gt;" in client.get("/assessment", params={"month": "<script>"}).text
    year = client.get("/bulletin.docx", params={"month": "2024"})
    assert year.status_code == 400 and "通报按月生成" in year.text
    assert client.get("/assessment.xlsx", params={"month": "2030-01"}).status_code == 400
    term = client.get("/assessment", params={"month": "2023年秋季学期"})
    assert term.status_code == 200 and "责任督学考核 · 2023年秋季学期" in term.text
    assert "/bulletin.docx?month=" not in term.text  # a term is no month: no 通报 link
