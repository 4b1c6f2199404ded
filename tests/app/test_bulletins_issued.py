"""#印发通报 / #更正通报 / #通报 列表 through the real app: the 通报 issued is stored as issued and sent as a file to
the county's rooms (once, whatever is redelivered or restarted), every refusal gives its real reason and changes
nothing, a correction names the 通报 it corrects, and the draft stays a draft."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import func, select

from bot.cli.bootstrap import build
from bot.messages import Inbound
from bot.storage import models as m
from tests.support.county_files import demo_yaml
from tests.support.harness import Harness, until_idle

SYXX, FXZX, OFFICE = "room-syxx@chatroom", "room-fxzx@chatroom", "room-office@chatroom"
D1, D2, D3 = "room-d1@chatroom", "room-d2@chatroom", "room-d3@chatroom"
ZHOU, CHEN, LIU, LIMING = "wxid_zhouyonghong", "wxid_chenjing", "wxid_liujianguo", "wxid_liming"
APRIL_2 = "2024-04-02T10:00:00+08:00"
ISSUE = "#印发通报 2024年3月 城督〔2024〕3号"


async def _seed(h: Harness) -> None:
    await h.say(SYXX, ZHOU, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")  # Q1: overdue at the month's end
    await h.say(FXZX, CHEN, "#问题 复兴中学 食品卫生 留样记录不全 限期1天")  # Q2: overdue too
    await h.say(SYXX, ZHOU, "#到校 实验小学 检查食堂")


async def _rows(h: Harness) -> list[m.Bulletin]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Bulletin).order_by(m.Bulletin.id)))


async def _stored(h: Harness, number: str) -> bytes:
    async with h.app.db.reading() as s:
        return await s.scalar(select(m.Bulletin.document).where(m.Bulletin.number == number))


def _texts(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


async def test_issuing_stores_the_document_and_sends_it_to_the_office_room(harness) -> None:
    h = harness
    await _seed(h)
    sent = await h.say(OFFICE, LIU, ISSUE, at=APRIL_2)
    assert len(sent) == 1 and sent[0].out.room == OFFICE and len(sent[0].out.files) == 1
    assert "城督〔2024〕3号《关于2024年3月责任督学挂牌督导工作情况的通报》已印发" in sent[0].text
    assert "印发日期：2024年4月2日" in sent[0].text and "草稿" not in sent[0].text
    [row] = await _rows(h)
    person = h.app  # the issuer: 刘建国 of the office
    assert (row.kind, row.subject, row.label, row.number, str(row.issued_on)) == (
        "monthly", "2024-03", "2024年3月", "城督〔2024〕3号", "2024-04-02")
    assert row.corrects_id is None and person is not None
    stored = await _stored(h, "城督〔2024〕3号")
    path = Path(sent[0].out.files[0])
    assert path.name == row.name == "城督〔2024〕3号城口县2024年3月督导通报.docx"
    assert path.read_bytes() == stored and row.sha256 == hashlib.sha256(stored).hexdigest()
    assert _texts(stored)[1] == "城督〔2024〕3号"
    assert "城督〔2024〕3号" in row.text and "（草稿" not in row.text and "2024年4月2日" in row.text


async def test_issued_privately_with_a_date_the_office_room_gets_it_and_the_sender_too(harness) -> None:
    h = harness
    await _seed(h)
    sent = await h.say(None, LIU, "#印发通报 2024年3月 城督[2024]03号 印发日期：4月1日", at=APRIL_2)
    rooms = [(s.out.room, s.out.to) for s in sent]
    assert rooms == [(OFFICE, None), (None, LIU)]
    assert all(len(s.out.files) == 1 for s in sent) and "已同时发送到：县教育督导室工作群" in sent[1].text
    [row] = await _rows(h)
    assert row.number == "城督〔2024〕3号" and str(row.issued_on) == "2024-04-01"  # the 文号 normalised


async def test_the_county_may_send_it_to_the_district_rooms(county_db_url: str, tmp_path: Path) -> None:
    county = demo_yaml(tmp_path, edit={"  verify_within: 5个工作日":
                                       "  verify_within: 5个工作日\n  bulletin_rooms: [office, district]"})
    h = await Harness.create(county_db_url, tmp_path, county)
    try:
        await _seed(h)
        sent = await h.say(OFFICE, LIU, ISSUE, at=APRIL_2)
        assert [s.out.room for s in sent] == [OFFICE, D1, D2, D3]
        assert len({s.out.files for s in sent}) == 1  # the one stored file, to every room
        assert "已同时发送到：第一责任区督导群、第二责任区督导群、第三责任区督导群" in sent[0].text
        assert "已同时发送到" not in sent[1].text
    finally:
        await h.close()


async def test_a_redelivered_message_or_a_restart_sends_the_file_once(harness) -> None:
    h = harness
    await _seed(h)
    await h.at(APRIL_2)
    h.transport.connected = False
    assert await h.say(OFFICE, LIU, ISSUE, msg_id="issue-1") == []  # queued, not sent: the platform is away
    second = build(h.app.settings, h.clock, h.app.db, h.transport)  # the bot restarted on the same database
    h.transport.connected = True
    again = Inbound(room=OFFICE, sender=LIU, text=ISSUE, at=h.clock.now(), message_id="issue-1")
    assert await second.handle(again) is False  # the platform delivers it again: recognised
    await second.outbox.drain()
    await second.outbox.flush_marks()  # the second bot has no timer running: what it sent is marked now
    await until_idle(second)
    await h.idle()
    files = [s for s in h.transport.sent if s.out.files]
    assert len(files) == 1 and files[0].out.room == OFFICE and Path(files[0].out.files[0]).is_file()
    assert len(await _rows(h)) == 1


REFUSALS = [  # (who, where, text, what the answer says)
    (LIU, OFFICE, "#印发通报 2024年3月", "印发通报需要文号"),
    (LIU, OFFICE, "#印发通报 城督〔2024〕3号", "请写明通报的月份"),
    (LIU, OFFICE, "#印发通报 2024年3月 〔2024〕3号", "缺少发文机关代字"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督3号", "缺少用〔〕括起的四位年份"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督〔2024〕", "缺少发文顺序号"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督〔2023〕3号", "文号中的年份应为印发年份（2024年）"),
    (LIU, OFFICE, "#印发通报 2024年4月 城督〔2024〕3号", "2024年4月还没有结束（截至2024年4月30日）"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督〔2024〕3号 印发日期 4月5日", "印发日期2024年4月5日还没有到"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督〔2024〕3号 印发日期 3月31日", "最早在2024年4月1日印发"),
    (LIU, OFFICE, "#印发通报 2024年3月 城督〔2024〕3号 印发日期 4月31日", "没能看懂印发日期“4月31日”"),
    (LIU, OFFICE, "#印发通报 2024年2月 城督〔2024〕3号", "2024年2月还没有任何督导记录"),
    (LIU, OFFICE, "#更正通报 城督〔2024〕9号 城督〔2024〕10号 数据有误", "没有找到文号为“城督〔2024〕9号”的已印发通报"),
    (LIU, OFFICE, "#更正通报 城督〔2024〕9号", "请写上原通报的文号和更正通报的新文号"),
    (LIU, D1, ISSUE, "只在督导室群"),
    (LIMING, None, ISSUE, "印发和更正通报由督导室办理"),
    (ZHOU, D1, ISSUE, "印发和更正通报由督导室办理"),
]


@pytest.mark.parametrize("who,where,text,says", REFUSALS, ids=[r[3][:12] for r in REFUSALS])
async def test_each_refusal_gives_its_reason_and_changes_nothing(harness, who: str, where: str | None, text: str,
                                                                 says: str) -> None:
    h = harness
    await _seed(h)
    sent = await h.say(where, who, text, at=APRIL_2)
    assert len(sent) == 1 and says in sent[0].text and not sent[0].out.files, sent[0].text
    assert await _rows(h) == []
    exports = Path(h.app.settings.evidence_dir).parent / "exports"
    assert not exports.exists() or not list(exports.iterdir())  # no file half-written either


async def test_a_number_used_or_a_month_issued_twice_is_refused_and_points_to_the_correction(harness) -> None:
    h = harness
    await _seed(h)
    await h.say(OFFICE, LIU, ISSUE, at=APRIL_2)
    await h.say(SYXX, ZHOU, "#到校 实验小学 复查", at="2024-04-03T09:00:00+08:00")
    stored = await _stored(h, "城督〔2024〕3号")
    used = await h.one(OFFICE, LIU, "#印发通报 2024年4月 城督〔2024〕3号", at="2024-05-06T09:00:00+08:00")
    assert "文号城督〔2024〕3号已用于2024年3月的通报" in used.text and not used.out.files
    twice = await h.one(OFFICE, LIU, "#印发通报 2024年3月 城督〔2024〕4号")
    assert "2024年3月的通报已经印发（城督〔2024〕3号），不能重复印发" in twice.text
    assert "#更正通报 城督〔2024〕3号 新文号" in twice.text
    assert len(await _rows(h)) == 1 and await _stored(h, "城督〔2024〕3号") == stored


async def test_a_correction_names_the_one_it_corrects_which_stays_as_issued(harness) -> None:
    h = harness
    await _seed(h)
    await h.say(OFFICE, LIU, ISSUE, at=APRIL_2)
    original = await _stored(h, "城督〔2024〕3号")
    await h.say(OFFICE, LIU, "#修改 Q1 描述 消防通道堆放杂物和纸箱", at="2024-04-08T09:00:00+08:00")
    sent = await h.say(OFFICE, LIU, "#更正通报 城督〔2024〕3号 城督〔2024〕5号 Q1问题描述有误")
    assert len(sent) == 1 and sent[0].out.files
    assert "城督〔2024〕5号《关于2024年3月责任督学挂牌督导工作情况的通报（更正）》已印发，更正城督〔2024〕3号" in sent[0].text
    first, correction = await _rows(h)
    assert correction.corrects_id == first.id and correction.reason == "Q1问题描述有误"
    assert correction.label == first.label and str(correction.issued_on) == "2024-04-08"
    texts = _texts(await _stored(h, "城督〔2024〕5号"))
    assert texts[1] == "城督〔2024〕5号" and texts[0].endswith("（更正）")
    assert "本通报是对城督〔2024〕3号的更正，原通报同时停止使用。更正原因：Q1问题描述有误。" in texts
    assert await _stored(h, "城督〔2024〕3号") == original  # unchanged
    listed = await h.one(OFFICE, LIU, "#通报 列表")
    assert "1. 城督〔2024〕5号　2024年3月　2024年4月8日印发，更正城督〔2024〕3号" in listed.text
    assert "2. 城督〔2024〕3号　2024年3月　2024年4月2日印发（已更正，见城督〔2024〕5号）" in listed.text
    twice = await h.one(OFFICE, LIU, "#更正通报 城督〔2024〕3号 城督〔2024〕6号", at="2024-04-09T09:00:00+08:00")
    assert "城督〔2024〕3号已由城督〔2024〕5号更正" in twice.text and len(await _rows(h)) == 2
    again = await h.one(OFFICE, LIU, "#更正通报 城督〔2024〕5号 城督〔2024〕6号")  # the correction may be corrected
    assert "城督〔2024〕6号" in again.text and "更正城督〔2024〕5号" in again.text and len(await _rows(h)) == 3


async def test_the_draft_stays_a_draft_without_a_number(harness) -> None:
    h = harness
    await _seed(h)
    await h.say(OFFICE, LIU, ISSUE, at=APRIL_2)
    draft = await h.one(OFFICE, LIU, "#通报 2024-03")
    assert "（草稿）" in draft.text and "城督" not in draft.text and not draft.out.files
    document = await h.one(OFFICE, LIU, "#通报 文档 2024-03", at="2024-04-02T10:05:00+08:00")
    assert "这是草稿，没有文号" in document.text
    doc = Document(document.out.files[0])
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "〔2024〕　　号" and not any("城督" in t for t in texts)
    assert doc.sections[0].header.paragraphs[0].text == "草稿"
    async with h.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.Bulletin)) == 1


async def test_the_list_when_nothing_was_issued(harness) -> None:
    listed = await harness.one(OFFICE, LIU, "#通报 列表")
    assert "还没有印发过通报" in listed.text
