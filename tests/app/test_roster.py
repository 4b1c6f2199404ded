"""County reloads update in place; invites bind chat accounts; the office binds rooms."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli.bootstrap import load_county
from bot.county import CountyError
from bot.storage import models as m
from handlers.binding import create_invite
from tests.support.paths import DEMO_COUNTY

OFFICE, D1 = "room-office@chatroom", "room-d1@chatroom"
LIU, ZHOU = "wxid_liujianguo", "wxid_zhouyonghong"


async def _counts(h) -> dict[str, int]:
    async with h.app.db.reading() as s:
        return {t.__tablename__: await s.scalar(select(func.count()).select_from(t))
                for t in (m.School, m.Person, m.Room, m.District, m.SupervisorSchool)}


async def test_loading_twice_changes_nothing(harness) -> None:
    before = await _counts(harness)
    report = await load_county(harness.app.db, DEMO_COUNTY, harness.clock)
    assert await _counts(harness) == before and not report.added and not report.deactivated
    assert before == {"schools": 16, "people": 24, "rooms": 8, "districts": 3, "supervisor_schools": 16}


async def test_edit_updates_in_place_and_removed_person_is_deactivated(harness, tmp_path: Path) -> None:
    h = harness
    await h.say("room-syxx@chatroom", ZHOU, "#问题 实验小学 扶手松动")
    text = DEMO_COUNTY.read_text(encoding="utf-8")
    edited = text.replace("name: 李明,", "name: 李明明,").replace(
        "  - {id: p-zhou, name: 周永红, role: 督学, chat_id: wxid_zhouyonghong, "
        "schools: [重庆市城口中学, 城口县第一中学, 城口县实验小学]}\n", "")
    edited = edited.replace("lead: p-zhou", "lead: p-li")
    assert edited != text
    path = tmp_path / "county.yaml"
    path.write_text(edited, encoding="utf-8")
    report = await load_county(h.app.db, path, h.clock)
    assert report.deactivated == {"people": 1}
    async with h.app.db.reading() as s:
        zhou = await s.scalar(select(m.Person).where(m.Person.key == "p-zhou"))
        li = await s.scalar(select(m.Person).where(m.Person.key == "p-li"))
        finding = (await s.scalars(select(m.Finding))).one()
    assert zhou.active is False and finding.finder_id == zhou.id  # history kept
    assert li.name == "李明明"
    refused = await h.one("room-syxx@chatroom", ZHOU, "#清单")
    assert "绑定" in refused.text  # a deactivated person is a stranger now


async def test_bad_file_changes_nothing(harness, tmp_path: Path) -> None:
    before = await _counts(harness)
    bad = DEMO_COUNTY.read_text(encoding="utf-8").replace("school: 城口县沿河乡幼儿园}", "school: 不存在的幼儿园}")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CountyError) as err:
        await load_county(harness.app.db, path, harness.clock)
    assert "bad.yaml" in str(err.value) and "不存在的幼儿园" in str(err.value)
    assert await _counts(harness) == before


async def test_invite_binds_once_and_expires(harness) -> None:
    h = harness
    async with h.app.db.transaction() as s:
        person = await s.scalar(select(m.Person).where(m.Person.key == "p-tangx"))
        person.chat_id = None  # not yet bound
        code = (await create_invite(s, person, now=h.clock.now(), ttl=timedelta(hours=72))).code
        expired = (await create_invite(s, await s.scalar(select(m.Person).where(m.Person.key == "p-songt")),
                                       now=h.clock.now() - timedelta(hours=80), ttl=timedelta(hours=72))).code
    before = await h.one(None, "wxid_new_tang", "#清单")
    assert "绑定" in before.text
    bound = await h.one(None, "wxid_new_tang", f"#绑定 {code}")
    assert "绑定成功" in bound.text and "唐霞" in bound.text
    assert "绑定码无效" in (await h.one(None, "wxid_someone_else", f"#绑定 {code}")).text
    assert "绑定码无效" in (await h.one(None, "wxid_song_new", f"#绑定 {expired}")).text
    listing = await h.one(None, "wxid_new_tang", "#清单", at=h.clock.now() + timedelta(minutes=1))
    assert "没有" in listing.text  # she is a principal now: her school's list (empty)


async def test_office_binds_a_room_and_unbound_rooms_stay_quiet(harness) -> None:
    h = harness
    room = "room-new@chatroom"
    assert await h.say(room, ZHOU, "#清单") == []  # unbound room: silence
    assert await h.say(room, ZHOU, "#本群 学校 城口中学") == []  # only the office binds
    assert "#问题" in (await h.one(room, ZHOU, "#帮助")).text  # but #帮助 is answered
    bound = await h.one(room, LIU, "#本群 学校 城口中学")
    assert "重庆市城口中学" in bound.text
    created = await h.one(room, ZHOU, "#问题 消防通道堆放杂物")  # the room's school is implied
    assert "重庆市城口中学" in created.text and created.out.mentions == ("wxid_wangfang",)
    # a reload of the county file keeps a room bound in chat
    await load_county(h.app.db, DEMO_COUNTY, h.clock)
    assert "Q2" in (await h.one(room, ZHOU, "#问题 楼梯灯不亮")).text


async def test_guessing_binding_codes_is_stopped_after_five_wrong_ones(harness) -> None:
    h = harness
    async with h.app.db.transaction() as s:
        person = await s.scalar(select(m.Person).where(m.Person.key == "p-tangx"))
        person.chat_id = None
        code = (await create_invite(s, person, now=h.clock.now(), ttl=timedelta(hours=72))).code
    wrong = "100000" if code != "100000" else "100001"
    for _ in range(5):
        reply = await h.one(None, "wxid_guesser", f"#绑定 {wrong}", at=h.clock.now() + timedelta(seconds=1))
        assert "绑定码无效" in reply.text
    blocked = await h.one(None, "wxid_guesser", f"#绑定 {code}", at=h.clock.now() + timedelta(seconds=1))
    assert "次数过多" in blocked.text  # even the right code must wait
    later = await h.one(None, "wxid_guesser", f"#绑定 {code}", at=h.clock.now() + timedelta(hours=1))
    assert "绑定成功" in later.text
