"""Reloading the county on a real database: an absent section is left alone, an empty one deactivates, and the
summary says what changed (school changes, untouched sections). Every test starts from the demo county."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.cli.bootstrap import load_county
from bot.cli.county_summary import county_summary
from bot.county import CountyError
from bot.storage import models as m
from tests.support.county_files import demo_xlsx, demo_yaml

LIU, ZHOU = "wxid_liujianguo", "wxid_zhouyonghong"
CHAT_ROOM, FILE_ROOM = "room-new@chatroom", "room-syxx@chatroom"


async def _active(h, table) -> int:  # noqa: ANN001
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(table).where(table.active))


async def _bind_room_in_chat(h) -> None:  # noqa: ANN001
    assert "重庆市城口中学" in (await h.one(CHAT_ROOM, LIU, "#本群 学校 城口中学")).text


async def test_workbook_without_room_sheet_keeps_every_room(harness, tmp_path: Path) -> None:
    h = harness
    await _bind_room_in_chat(h)
    path = demo_xlsx(tmp_path, drop=("群",))
    report = await load_county(h.app.db, path, h.clock)
    assert report.untouched == ["rooms"] and not report.deactivated and not report.changed
    assert await _active(h, m.Room) == 9  # the 8 from the file and the one bound with #本群
    assert "Q1" in (await h.one(FILE_ROOM, ZHOU, "#问题 扶手松动")).text
    assert "Q2" in (await h.one(CHAT_ROOM, ZHOU, "#问题 楼梯灯不亮")).text
    summary = county_summary(report, path)
    assert "没有变化" in summary and "文件中没有“群”部分" in summary and "保持不变" in summary


async def test_yaml_without_rooms_keeps_them(harness, tmp_path: Path) -> None:
    report = await load_county(harness.app.db, demo_yaml(tmp_path, drop="rooms"), harness.clock)
    assert report.untouched == ["rooms"] and not report.deactivated
    assert await _active(harness, m.Room) == 8


async def test_empty_rooms_section_deactivates_file_rooms_only(harness, tmp_path: Path) -> None:
    h = harness
    await _bind_room_in_chat(h)
    path = demo_yaml(tmp_path, empty="rooms")
    report = await load_county(h.app.db, path, h.clock)
    assert report.deactivated == {"rooms": 8} and report.untouched == []
    assert await _active(h, m.Room) == 1  # the room bound in chat stays
    assert await h.say(FILE_ROOM, ZHOU, "#清单") == []
    assert "停用：群 8 个" in county_summary(report, path)


async def test_people_whose_schools_changed_are_named(harness, tmp_path: Path) -> None:
    edit = {"schools: [重庆市城口中学, 城口县第一中学, 城口县实验小学]}": "schools: [城口县第一中学, 城口县实验小学]}",
            "wxid_wangfang, school: 重庆市城口中学}": "wxid_wangfang, school: 城口县葛城小学}",
            "  - {id: p-wu, name: 吴海波, role: 督学, chat_id: wxid_wuhaibo, "
            "schools: [城口县东安镇中学, 城口县咸宜镇中心小学, 城口县沿河乡幼儿园]}\n": ""}
    path = demo_yaml(tmp_path, edit=edit)
    report = await load_county(harness.app.db, path, harness.clock)
    assert report.updated == {"people": 2} and report.deactivated == {"people": 1}
    assert report.deactivated_people == ["吴海波"]
    assert [(c.name, c.before, c.after) for c in report.school_changes] == [
        ("周永红", ("重庆市城口中学", "城口县第一中学", "城口县实验小学"), ("城口县第一中学", "城口县实验小学")),
        ("王芳", ("重庆市城口中学",), ("城口县葛城小学",)),
    ]
    summary = county_summary(report, path)
    assert "更新：人员 2 人" in summary and "停用的人员：吴海波" in summary
    assert "王芳（校长）：重庆市城口中学 → 城口县葛城小学" in summary
    assert "周永红（督学）：重庆市城口中学、城口县第一中学、城口县实验小学 → 城口县第一中学、城口县实验小学" in summary
    async with harness.app.db.reading() as s:
        zhou = await s.scalar(select(m.Person.id).where(m.Person.key == "p-zhou"))
        assigned = await s.scalar(select(func.count()).select_from(m.SupervisorSchool)
                                  .where(m.SupervisorSchool.person_id == zhou))
    assert assigned == 2


async def test_workbook_without_district_sheet_keeps_leads(harness, tmp_path: Path) -> None:
    report = await load_county(harness.app.db, demo_xlsx(tmp_path, drop=("责任区",)), harness.clock)
    assert report.untouched == ["districts"] and not report.changed
    async with harness.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.DistrictLead)) == 3
    assert await _active(harness, m.District) == 3


async def test_a_bad_workbook_changes_nothing(harness, tmp_path: Path) -> None:
    path = demo_xlsx(tmp_path, drop=("群",))
    book = openpyxl.load_workbook(path)
    book["人员"]["E10"] = "不存在的学校"
    book["学校"].delete_rows(2, 1)
    book.save(path)
    with pytest.raises(CountyError) as err:
        await load_county(harness.app.db, path, harness.clock)
    assert "county.xlsx，工作表“人员”第 10 行，“学校”列：名册里没有“不存在的学校”这所学校" in str(err.value)
    assert await _active(harness, m.School) == 16 and await _active(harness, m.Person) == 24
    assert await _active(harness, m.Room) == 8


async def test_a_workbook_sets_the_policy_it_holds(harness, tmp_path: Path) -> None:
    path = demo_xlsx(tmp_path)
    book = openpyxl.load_workbook(path)
    for row in book["设置"].iter_rows(min_row=2):
        row[1].value = {"申诉决定时限": 3, "通报发送": "督导室、责任区"}.get(row[0].value, row[1].value)
    indicators = book["考核指标"]
    indicators.delete_rows(2, indicators.max_row)
    for name, weight in (("按期整改率", 60), ("整改逾期", 40)):
        indicators.append([name, weight])
    book.save(path)
    await load_county(harness.app.db, path, harness.clock)
    async with harness.app.db.reading() as s:
        policy = (await s.scalar(select(m.County))).policy
    assert policy["appeal_within"] == "3个工作日" and policy["bulletin_rooms"] == ["office", "district"]
    assert policy["school_assessment"]["indicators"] == {"按期整改率": 60, "整改逾期": 40}
