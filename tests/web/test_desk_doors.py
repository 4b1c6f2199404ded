"""The desk's doors hold (issue #22): a formula typed in chat never becomes a live formula in /ledger.xlsx or in
`dudao export ledger`; a bidirectional override or a zero-width character — stripped where a message comes in, and
for text stored before that at every door out — is never shown on /ledger, /findings/N, in /ledger.xlsx, in the
通报 .docx or in a chat reply; an id out of range is the polite 404 (the connection kept alive), never a 500; every
page and download is `Cache-Control: no-store` and HSTS goes with an HTTPS desk only."""
from __future__ import annotations

import http.client
import io
import itertools
import threading
import time
import zipfile
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.convertors import IntegerConvertor
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.reports.ledger_book import HEADERS
from bot.storage import models as m
from bot.web.desk import IdConvertor, create_app
from tests.cli.test_cli import dudao
from tests.support.harness import Harness
from tests.web.conftest import CKZX, FXZX, PASSWORDS, Desk, csrf_of, login

ZHOU, CHEN, WANGF, LIU = "wxid_zhouyonghong", "wxid_chenjing", "wxid_wangfang", "wxid_liujianguo"
HYPERLINK = '=HYPERLINK("http://evil.example","点我")'
INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff")
CONTROL = "\x01"  # kept in the ledger as written (tests/app/test_bad_content.py), never in a workbook
STORED = "\u202e整改完成 gpj\u202e.exe\u202c"  # as a browser shows it raw: 成完改整 … exe.jpg
SHOWN = "整改完成 gpj.exe"
MESSAGE_IDS = itertools.count(1)
LATER = datetime.fromisoformat("2024-03-29T10:00:00+08:00")  # Q2 (due 3/16, open) is 整改逾期: in the 通报


async def _chat(desk: Desk, tmp: Path, *messages: tuple[str, str, str]) -> list[str]:
    """Send `messages` (room, sender, text) through the real chat app on the desk's database; the replies' texts."""
    h = await Harness.create(desk.url, tmp, None)
    try:
        return [sent.text for room, who, text in messages
                for sent in await h.say(room, who, text, msg_id=f"doors-{next(MESSAGE_IDS)}")]
    finally:
        await h.close()


async def _store_past_the_doors(desk: Desk, number: int, text: str) -> None:
    """A description and its events' text as an older version stored them (before invisible characters were
    removed where a message comes in): written into the database directly."""
    async with desk.db.transaction() as s:
        finding = await s.scalar(select(m.Finding).where(m.Finding.number == number))
        finding.description = text
        for event in await s.scalars(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id)):
            event.raw_text = f"#问题 复兴中学 {text}"


def _office(desk: Desk) -> TestClient:
    client = desk.client()
    assert login(client, "p-liu").status_code == 303
    return client


def _cells(data: bytes | Path) -> list:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row]


def _by_ref(data: bytes | Path) -> dict[str, dict[str, object]]:
    """The ledger's rows by finding id, each a column name → value (bot.reports.ledger_book.HEADERS)."""
    rows = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)["整改台账"].iter_rows(values_only=True)
    return {row[1]: dict(zip(HEADERS, row, strict=True)) for row in rows
            if isinstance(row[1], str) and row[1].startswith("Q")}


def _never_a_formula(data: bytes | Path) -> None:
    cells = _cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.coordinate for c in cells if isinstance(c.value, str) and set(c.value) & (INVISIBLE | {CONTROL})] == []
    rows = _by_ref(data)
    assert [rows[q]["问题描述"] for q in ("Q3", "Q4", "Q5")] == ["'" + HYPERLINK, "'" + HYPERLINK, "'+1+1"]


def test_a_formula_typed_in_chat_is_words_in_the_ledger_workbook_and_the_export(desk: Desk, tmp_path: Path) -> None:
    replies = desk.run(_chat(desk, tmp_path,
                             (CKZX, ZHOU, f"#问题 城口中学 安全稳定 {CONTROL}{HYPERLINK}"),  # Q3
                             (FXZX, CHEN, f"#问题 复兴中学 食品卫生 \u200b\u202e{HYPERLINK}"),  # Q4
                             (FXZX, CHEN, "#问题 复兴中学 食品卫生 \u2066\ufeff+1+1"),  # Q5
                             (CKZX, WANGF, f"#整改 Q3 {CONTROL}{HYPERLINK}")))
    assert any("已登记问题 Q5" in r for r in replies)
    assert [r for r in replies if set(r) & INVISIBLE] == []  # the replies show none of them either
    answer = _office(desk).get("/ledger.xlsx")
    assert answer.status_code == 200
    _never_a_formula(answer.content)
    assert _by_ref(answer.content)["Q3"]["整改情况"].endswith(" " + HYPERLINK)  # 整改情况: dated, so never a lead
    out = tmp_path / "ledger.xlsx"
    result = dudao("export", "ledger", "--db", desk.url, str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    _never_a_formula(out)


def test_an_override_typed_in_chat_is_not_stored(desk: Desk, tmp_path: Path) -> None:
    replies = desk.run(_chat(desk, tmp_path, (FXZX, CHEN, f"#问题 复兴中学 食品卫生 {STORED}")))
    assert SHOWN in replies[0] and not set(replies[0]) & INVISIBLE

    async def stored() -> tuple[str, str]:
        async with desk.db.reading() as s:
            finding = await s.scalar(select(m.Finding).where(m.Finding.number == 3))
            event = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id))
            return finding.description, event.raw_text
    description, raw = desk.run(stored())
    assert description == SHOWN and not set(raw) & INVISIBLE


def test_an_override_stored_before_is_shown_nowhere(desk: Desk, tmp_path: Path) -> None:
    desk.run(_store_past_the_doors(desk, 2, STORED))
    client = _office(desk)
    for url in ("/ledger", "/findings/2", "/ledger?" + urlencode({"q": "整改完成"})):
        page = client.get(url)
        assert page.status_code == 200 and SHOWN in page.text and not set(page.text) & INVISIBLE, url
    workbook = client.get("/ledger.xlsx").content
    assert _by_ref(workbook)["Q2"]["问题描述"] == SHOWN
    assert [c.coordinate for c in _cells(workbook) if isinstance(c.value, str) and set(c.value) & INVISIBLE] == []
    desk.clock.advance_to(LATER)
    docx = client.get("/bulletin.docx", params={"month": "2024-03"})
    assert docx.status_code == 200
    cells = [c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells]
    assert SHOWN in cells
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        assert not set(z.read("word/document.xml").decode()) & INVISIBLE
    replies = desk.run(_chat(desk, tmp_path, (FXZX, CHEN, "#查询 Q2"), (FXZX, CHEN, "#清单")))
    assert all(SHOWN in r and not set(r) & INVISIBLE for r in replies), replies


PAGES = ("/login", "/ledger", "/findings/1", "/charts", "/help", "/cycle", "/terms", "/campaigns", "/assessment",
         "/ledger.xlsx", "/assessment.xlsx", "/bulletin.docx?month=2024-03", "/bulletins", "/bulletins/1.docx",
         "/findings/1/notice", "/findings/1/notice.docx", "/findings/404", "/no-such-page")


def test_every_page_and_download_is_no_store_and_the_css_may_be_kept(desk: Desk) -> None:
    anonymous = desk.client()
    for url in ("/login", "/ledger", "/static/desk.css"):
        assert "strict-transport-security" not in anonymous.get(url).headers
    assert anonymous.get("/login").headers["cache-control"] == "no-store"
    client = _office(desk)
    for url in (*PAGES, f"/evidence/{desk.photo_id}"):
        answer = client.get(url)
        assert answer.status_code in (200, 404) and answer.headers["cache-control"] == "no-store", url
        assert "strict-transport-security" not in answer.headers, url
    css = client.get("/static/desk.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    assert "x-content-type-options" in css.headers  # the other security headers stay on it


def test_hsts_goes_with_an_https_desk_only(desk: Desk) -> None:
    settings = desk.settings.model_copy(update={"web_secure_cookie": True})
    client = TestClient(create_app(settings, desk.db, desk.clock), base_url="https://testserver",
                        follow_redirects=False)
    assert login(client, "p-liu").status_code == 303
    for url in ("/login", "/ledger", "/ledger.xlsx", "/static/desk.css"):
        assert client.get(url).headers["strict-transport-security"] == "max-age=31536000", url


HUGE = ("/findings/99999999999999999999999", "/evidence/99999999999999999999999", "/findings/9223372036854775808",
        "/evidence/2147483648", "/findings/1" + "0" * 400, "/findings/-1", "/bulletins/2147483648.docx",
        "/campaigns/99999999999999999999999.docx")


@pytest.mark.parametrize("url", HUGE)
def test_an_id_out_of_range_is_the_polite_404(desk: Desk, url: str) -> None:
    client = _office(desk)
    answer = client.get(url)
    assert answer.status_code == 404 and "没有找到" in answer.text and answer.headers["cache-control"] == "no-store"
    assert client.get("/findings/0001").status_code == 200  # Q1, as Q0001 means Q1 in chat


def test_every_int_in_a_desk_path_is_bounded(desk: Desk) -> None:
    routes = [r for r in desk.app().routes if isinstance(r, Route)]
    convertors = [(r.path, name, c) for r in routes for name, c in r.param_convertors.items()]
    assert {(path, name) for path, name, c in convertors if isinstance(c, IdConvertor)} == {
        ("/findings/{number:id}", "number"), ("/findings/{number:id}/act", "number"), ("/evidence/{id:id}", "id"),
        ("/bulletins/{id:id}.docx", "id"), ("/findings/{number:id}/notice", "number"),
        ("/findings/{number:id}/notice.docx", "number"),
        ("/campaigns/{id:id}.docx", "id"), ("/l/{token:str}/photo/{id:id}", "id")}
    assert [path for path, _, c in convertors if isinstance(c, IntegerConvertor)] == []


def test_a_huge_id_keeps_the_connection_alive(desk: Desk) -> None:
    """Over a real server (uvicorn): a 500 would drop the keep-alive connection; the 404 answers on it and the next
    request goes over the same socket."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(desk.settings, desk.db, desk.clock), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="desk-keep-alive", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the desk did not start"
            time.sleep(0.05)  # the poll interval of this start-up wait (a sync test: no event loop here)
        port = server.servers[0].sockets[0].getsockname()[1]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def get(path: str, cookie: str = "", body: str | None = None) -> http.client.HTTPResponse:
            headers = {"cookie": cookie} | ({"content-type": "application/x-www-form-urlencoded"} if body else {})
            conn.request("POST" if body else "GET", path, body=body, headers=headers)
            answer = conn.getresponse()
            answer.text = answer.read().decode()  # type: ignore[attr-defined]
            return answer

        form = get("/login")
        cookie = form.getheader("set-cookie").split(";")[0]
        logged = get("/login", cookie, urlencode(dict(csrf=csrf_of(form.text), username="p-liu",  # type: ignore[attr-defined]
                                                      password=PASSWORDS["p-liu"], next="/ledger")))
        assert logged.status == 303
        cookie = (logged.getheader("set-cookie") or cookie).split(";")[0]
        sock = conn.sock
        for path in HUGE[:2]:
            answer = get(path, cookie)
            assert answer.status == 404 and "没有找到" in answer.text  # type: ignore[attr-defined]
            assert (answer.getheader("connection") or "").lower() != "close"
        assert get("/ledger", cookie).status == 200 and conn.sock is sock  # the same connection throughout
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
