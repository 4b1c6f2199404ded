"""The desk's 通报 issued (/bulletins): the office and the district leads see the list (文号, period, 印发日期, who,
corrected by / corrects) and download each one byte for byte as stored when it was issued (no-store, audited);
a supervisor or a principal gets the polite 403 page, an id that is no 通报 the 404 page."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from bot.storage import models as m
from bot.web import audit
from tests.support.harness import Harness
from tests.web.conftest import Desk, login

OFFICE, LIU = "room-office@chatroom", "wxid_liujianguo"
APRIL_2 = datetime.fromisoformat("2024-04-02T10:00:00+08:00")


async def _issue(url: str, tmp: Path) -> dict[str, tuple[int, bytes]]:
    """城督〔2024〕3号 for March, issued on April 2, and its correction 城督〔2024〕5号 on April 8."""
    h = await Harness.create(url, tmp, None, start=APRIL_2)
    try:
        await h.say(OFFICE, LIU, "#印发通报 2024年3月 城督〔2024〕3号")
        await h.say(OFFICE, LIU, "#更正通报 城督〔2024〕3号 城督〔2024〕5号 数据有误", at="2024-04-08T10:00:00+08:00")
        async with h.app.db.reading() as s:
            rows = (await s.execute(select(m.Bulletin.number, m.Bulletin.id, m.Bulletin.document))).all()
    finally:
        await h.close()
    return {number: (bid, data) for number, bid, data in rows}


def _issued(desk: Desk, tmp: Path) -> dict[str, tuple[int, bytes]]:
    found = desk.run(_issue(desk.url, tmp))
    assert set(found) == {"城督〔2024〕3号", "城督〔2024〕5号"}
    return found


def test_the_office_lists_them_and_downloads_each_exactly_as_issued(cycle_desk: Desk, tmp_path: Path) -> None:
    issued = _issued(cycle_desk, tmp_path)
    client = cycle_desk.client()
    login(client, "p-liu")
    page = client.get("/bulletins")
    assert page.status_code == 200 and 'href="/bulletins" class="here"' in page.text
    first, correction = issued["城督〔2024〕3号"], issued["城督〔2024〕5号"]
    for text in ("城督〔2024〕3号", "2024年3月", "2024年4月2日", "2024年4月8日", "刘建国",
                 f'已更正，见<a href="#b{correction[0]}">城督〔2024〕5号</a>', f'更正<a href="#b{first[0]}">城督〔2024〕3号</a>',
                 f'href="/bulletins/{first[0]}.docx"', "关于2024年3月责任督学挂牌督导工作情况的通报（更正）"):
        assert text in page.text, text
    assert page.text.index("城督〔2024〕5号</td>") < page.text.index("城督〔2024〕3号</td>")  # newest first
    for bid, data in issued.values():
        got = client.get(f"/bulletins/{bid}.docx")
        assert got.status_code == 200 and got.content == data  # byte for byte
        assert got.headers["cache-control"] == "no-store"
        assert got.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    got = client.get(f"/bulletins/{first[0]}.docx")
    assert quote("城督〔2024〕3号城口县2024年3月督导通报.docx", safe="") in got.headers["content-disposition"]

    async def downloads() -> list[str]:
        async with cycle_desk.db.reading() as s:
            return list(await s.scalars(select(m.AuditEntry.detail).where(m.AuditEntry.kind == audit.DOWNLOAD)))
    assert cycle_desk.run(downloads()).count(f"/bulletins/{first[0]}.docx") == 2


def test_a_district_lead_may_read_them_too(cycle_desk: Desk, tmp_path: Path) -> None:
    issued = _issued(cycle_desk, tmp_path)
    client = cycle_desk.client()
    login(client, "p-zhou")
    page = client.get("/bulletins")
    assert page.status_code == 200 and "城督〔2024〕3号" in page.text and 'href="/bulletins"' in page.text
    bid, data = issued["城督〔2024〕3号"]
    assert client.get(f"/bulletins/{bid}.docx").content == data


def test_supervisors_and_principals_are_refused_politely(cycle_desk: Desk, tmp_path: Path) -> None:
    issued = _issued(cycle_desk, tmp_path)
    bid, _ = issued["城督〔2024〕3号"]
    for username in ("p-li", "p-wangf"):
        client = cycle_desk.client()
        login(client, username)
        assert 'href="/bulletins"' not in client.get("/ledger").text
        for path in ("/bulletins", f"/bulletins/{bid}.docx"):
            refused = client.get(path)
            assert refused.status_code == 403 and "已印发的通报只对督导室和责任区负责人开放" in refused.text, path
            assert "城督" not in refused.text


def test_no_such_bulletin_and_none_issued_yet(cycle_desk: Desk) -> None:
    client = cycle_desk.client()
    login(client, "p-liu")
    assert "还没有印发过通报" in client.get("/bulletins").text
    assert client.get("/bulletins/1.docx").status_code == 404
    assert client.get("/bulletins").status_code == 200
    anonymous = cycle_desk.client()
    assert anonymous.get("/bulletins/1.docx").status_code in (302, 303)  # to the login page


def test_the_desks_draft_stays_a_draft_once_issued(cycle_desk: Desk, tmp_path: Path) -> None:
    import io

    from docx import Document

    _issued(cycle_desk, tmp_path)
    client = cycle_desk.client()
    login(client, "p-liu")
    draft = client.get("/bulletin.docx", params={"month": "2024-03"})
    doc = Document(io.BytesIO(draft.content))
    texts = [p.text for p in doc.paragraphs]
    assert draft.status_code == 200 and texts[1] == "〔2024〕　　号" and not any("城督" in t for t in texts)
    assert doc.sections[0].header.paragraphs[0].text == "草稿"
