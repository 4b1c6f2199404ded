"""The bot's own messages keep the room rule too (bot/domain/visibility.py): every finding a reminder names in a
room is one that room may show — school rooms their school, district rooms their district, the office room all."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.domain.visibility import room_shows
from bot.storage import models as m
from tests.support.reminders import CHEN, D1, FXZX, SYXX, ZHOU, initiated, make

CKZX = "room-ckzx@chatroom"
__all__ = ["make"]  # a fixture


async def test_every_finding_a_reminder_names_in_a_room_may_be_shown_there(make) -> None:
    h = await make("2024-03-11T09:00:00+08:00")
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动 限期2天")
    await h.say(SYXX, ZHOU, "#问题 城口中学 排水沟堵塞 限期2天")  # said in another school's room
    await h.say(D1, ZHOU, "#问题 县一中 宿舍插线板私拉 限期2天")  # no room of its own: its district's
    await h.say(FXZX, CHEN, "#问题 复兴中学 围墙破损 限期2天")
    await h.say(SYXX, "wxid_liuyang", "#整改 Q1 已加固")  # 待验收: the verify reminder later
    await h.at("2024-04-03T10:00:00+08:00")  # through due-today, every ladder step, the 待验收 reminder
    async with h.app.db.reading() as s:
        roster, _ = await h.app.app.rosters.get(s)
        rows = await s.execute(select(m.Finding.number, m.Finding.school_id))
        school_of = {number: roster.schools[school_id] for number, school_id in rows.all()}
    named = 0
    for sent in initiated(h):
        if sent.out.room is None:
            continue
        room = roster.rooms[sent.out.room]
        for number in {int(n) for n in re.findall(r"Q(\d+)", sent.text)}:
            assert room_shows(room, school_of[number]), (room.name, number, sent.text)
            named += 1
    assert named >= 8  # the reminders did name findings, in school, district and office rooms
    rooms = {s.out.room for s in initiated(h) if re.search(r"Q\d", s.text)}
    assert {SYXX, CKZX, D1, FXZX, "room-office@chatroom"} <= rooms
