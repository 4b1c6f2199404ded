"""A finding's 来源 (docs/design.md "The office's formal work"): 经常性督导 unless `来源：…` says otherwise, shown in
the reply and in #查询, kept in the finding and its "created" event; a colon naming no source is a polite question
and changes nothing; "来源" inside a description stays a word of the description."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.storage import models as m

CKZX, ZHOU = "room-ckzx@chatroom", "wxid_zhouyonghong"


async def _findings(h) -> list[m.Finding]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Finding).order_by(m.Finding.id)))


async def test_no_source_word_is_everyday_inspection_and_the_reply_says_nothing_of_it(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 消防通道堆放杂物 限期3天")
    assert "来源" not in reply.text
    (finding,) = await _findings(harness)
    assert finding.source == "routine" and finding.description == "消防通道堆放杂物"


@pytest.mark.parametrize(("typed", "code", "label"), [
    ("来源：质量监测", "monitoring", "质量监测反馈"),
    ("来源:市级督查", "city", "市级督查"),
    ("来源 投诉", "complaint", "投诉"),
    ("来源质量监测反馈", "monitoring", "质量监测反馈"),
    ("来源：其它", "other", "其他"),
])
async def test_a_source_word_sets_the_source_and_leaves_the_description(harness, typed, code, label) -> None:
    reply = await harness.one(CKZX, ZHOU, f"#问题 城口中学 {typed} 学生近视率偏高 限期10天")
    assert f"来源：{label}" in reply.text
    (finding,) = await _findings(harness)
    assert (finding.source, finding.description) == (code, "学生近视率偏高")
    async with harness.app.db.reading() as s:
        event = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.finding_id == finding.id))
    assert event is not None and event.data["source"] == code
    shown = await harness.one(CKZX, ZHOU, "#查询 Q1")
    assert f"来源：{label}" in shown.text


async def test_the_source_may_come_after_the_description(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题 城口中学 食堂留样记录不全 来源：市级督查")
    (finding,) = await _findings(harness)
    assert (finding.source, finding.description) == ("city", "食堂留样记录不全")


@pytest.mark.parametrize("typed", ["来源：路人", "来源："])
async def test_a_colon_naming_no_source_is_a_question_and_nothing_is_logged(harness, typed) -> None:
    reply = await harness.one(CKZX, ZHOU, f"#问题 城口中学 食堂留样记录不全 {typed}")
    assert "来源可以写" in reply.text and "质量监测反馈" in reply.text
    async with harness.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.Finding)) == 0


async def test_source_inside_a_description_is_a_word_of_it(harness) -> None:
    await harness.one(CKZX, ZHOU, "#问题 城口中学 食材 来源 不明 限期3天")
    (finding,) = await _findings(harness)
    assert (finding.source, finding.description) == ("routine", "食材 来源 不明")
