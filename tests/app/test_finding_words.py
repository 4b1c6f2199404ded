"""A finding as people write it, through the real app: the description as written, the category by word, the due
date from the deadline words, a question for a past date, and the year shown when it is not this year's."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.storage import models as m

CKZX, ZHOU = "room-ckzx@chatroom", "wxid_zhouyonghong"


async def _findings(h) -> list[m.Finding]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.Finding).order_by(m.Finding.id)))


async def test_description_category_and_due_date(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 校门口护栏损坏，存在安全隐患；请尽快处理 月底前")
    assert "3月31日" in reply.text and "安全稳定" in reply.text
    await harness.one(CKZX, ZHOU, "#问题 城口中学 教学楼三楼走廊灭火器过期")
    first, second = await _findings(harness)
    assert first.description == "校门口护栏损坏，存在安全隐患；请尽快处理"
    assert (first.category, first.due_date) == ("安全稳定", date(2024, 3, 31))
    assert (second.category, second.description) == ("安全稳定", "教学楼三楼走廊灭火器过期")


async def test_a_past_date_is_a_question_and_nothing_is_created(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 护栏损坏 3月1日前")
    assert "已经过去" in reply.text and "如“3月18日前”" in reply.text  # an example accepted now, not a year on
    async with harness.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.Finding)) == 0


@pytest.mark.start("2024-12-20T09:00:00+08:00")
async def test_a_deadline_next_year_shows_its_year(harness) -> None:
    reply = await harness.one(CKZX, ZHOU, "#问题 城口中学 围墙破损 1月10日前")
    assert "2025年1月10日" in reply.text
    assert (await _findings(harness))[0].due_date == date(2025, 1, 10)
