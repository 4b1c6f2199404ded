"""#修改 Q12 来源 …: the finder or the office corrects a finding's 来源 like its other fields — an event in its
history with the old and new code, the reply saying old → new by label; a 专项督导 finding keeps its campaign's
source, no other finding becomes 专项督导, and a word naming no source gets the list — each refusal changing
nothing. The harness starts on Mon 2024-03-11 09:00 in the demo county."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ledger import lifecycle as ledger
from bot.storage import models as m

OFFICE_ROOM, CKZX = "room-office@chatroom", "room-ckzx@chatroom"
LIU, ZHOU, WANGF = "wxid_liujianguo", "wxid_zhouyonghong", "wxid_wangfang"
DECLARE = "#专项督导 双减 “双减”政策落实专项督导 3月1日-3月31日 范围 全部 检查项 作业总量控制；课后服务开展"


async def _finding(h) -> m.Finding:  # noqa: ANN001 — a Harness
    async with h.app.db.reading() as s:
        return await s.scalar(select(m.Finding).where(m.Finding.number == 1))


async def _corrections(h) -> list[dict]:  # noqa: ANN001
    async with h.app.db.reading() as s:
        events = await s.scalars(select(m.FindingEvent).where(m.FindingEvent.kind == ledger.CORRECT)
                                 .order_by(m.FindingEvent.id))
        return [e.data for e in events]


@pytest.mark.parametrize(("sender", "room", "text", "code", "label"), [
    (ZHOU, CKZX, "#修改 Q1 来源 质量监测", "monitoring", "质量监测反馈"),  # the finder, a short form
    (ZHOU, CKZX, "#修改 Q1 来源：市级督查", "city", "市级督查"),
    (LIU, OFFICE_ROOM, "#更正 Q1 问题来源 投诉", "complaint", "投诉"),  # the office
])
async def test_the_finder_or_the_office_corrects_the_source(harness, sender, room, text, code, label) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 学生近视率偏高 限期10天")
    sent = await h.say(room, sender, text)
    assert any("来源已由" in s.text and f"经常性督导 → {label}" in s.text for s in sent), [s.text for s in sent]
    assert (await _finding(h)).source == code
    assert await _corrections(h) == [{"field": "source", "old": "routine", "new": code}]
    record = await h.one(CKZX, ZHOU, "#查询 Q1")
    assert f"来源：{label}" in record.text and "修改" in record.text  # the record and its history


async def test_a_source_set_back_to_everyday_inspection(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 来源：质量监测 学生近视率偏高 限期10天")
    reply = await h.one(CKZX, ZHOU, "#修改 Q1 来源 经常性督导", at="2024-03-11T09:10:00+08:00")
    assert "质量监测反馈 → 经常性督导" in reply.text
    assert (await _finding(h)).source == "routine"


@pytest.mark.parametrize(("sender", "text", "expected"), [
    (ZHOU, "#修改 Q1 来源 路人", "没有“路人”这种问题来源。来源可以写：经常性督导、专项督导、市级督查、质量监测反馈、投诉、其他"),
    (ZHOU, "#修改 Q1 来源 经常性", "本来就是这样"),
    (ZHOU, "#修改 Q1 来源 专项督导",
     "专项督导的问题只能在专项督导检查中，由“不符合”的检查项产生并关联到该专项督导，所以 Q1（来源：经常性督导）不能改为专项督导。"
     "来源可以改为：经常性督导、市级督查、质量监测反馈、投诉、其他。"),
    (WANGF, "#修改 Q1 来源 投诉", "录入该问题的督学或督导室"),  # the principal may not
])
async def test_a_source_that_cannot_be_set_changes_nothing(harness, sender, text, expected) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 学生近视率偏高 限期10天")
    reply = await h.one(CKZX, sender, text, at="2024-03-11T09:10:00+08:00")
    assert expected in reply.text, reply.text
    assert (await _finding(h)).source == "routine" and await _corrections(h) == []


async def test_a_campaign_finding_keeps_its_campaign_source(harness) -> None:
    h = harness
    await h.say(OFFICE_ROOM, LIU, DECLARE)
    await h.say(CKZX, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生")  # Q1, of the campaign
    before = await _finding(h)
    assert before.source == "campaign" and before.campaign_id is not None
    reply = await h.one(CKZX, ZHOU, "#修改 Q1 来源 质量监测", at="2024-03-11T09:10:00+08:00")
    assert "Q1 是专项督导检查（“双减”政策落实专项督导）中发现的问题，来源随该专项督导，不能改为质量监测反馈" in reply.text
    assert "#撤销 Q1" in reply.text
    same = await h.one(OFFICE_ROOM, LIU, "#修改 Q1 来源 专项", at="2024-03-11T09:11:00+08:00")
    assert "本来就是这样" in same.text
    after = await _finding(h)
    assert (after.source, after.campaign_id) == ("campaign", before.campaign_id) and await _corrections(h) == []


async def test_an_appeal_decision_does_not_change_the_source(harness) -> None:
    h = harness
    await h.say(CKZX, ZHOU, "#问题 城口中学 学生近视率偏高 限期10天")
    await h.say(CKZX, WANGF, "#申诉 Q1 近视率数据来自质量监测", at="2024-03-11T09:10:00+08:00")
    reply = await h.one(OFFICE_ROOM, LIU, "#申诉 Q1 修改 来源 质量监测", at="2024-03-11T09:20:00+08:00")
    assert "请写明对 Q1 申诉的决定" in reply.text and "请用 #修改 Q1 学校/来源" in reply.text, reply.text
    assert (await _finding(h)).source == "routine" and await _corrections(h) == []
