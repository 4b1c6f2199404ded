"""Which roster sections a county file describes: an absent one is left alone on load, an empty one means none."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.county import DEMO_COUNTY_FILE, CountyError, load_county_file
from bot.county.schema import SECTIONS
from tests.support.county_files import demo_xlsx, demo_yaml


def test_the_demo_county_describes_every_section() -> None:
    assert load_county_file(DEMO_COUNTY_FILE).sections == set(SECTIONS)


def test_yaml_without_rooms_leaves_them_out(tmp_path: Path) -> None:
    data = load_county_file(demo_yaml(tmp_path, drop="rooms"))
    assert data.rooms == [] and data.sections == {"districts", "schools", "people"}


def test_yaml_with_empty_rooms_says_there_are_none(tmp_path: Path) -> None:
    data = load_county_file(demo_yaml(tmp_path, empty="rooms"))
    assert data.rooms == [] and "rooms" in data.sections


def test_yaml_without_people_cannot_name_district_leads(tmp_path: Path) -> None:
    with pytest.raises(CountyError) as err:
        load_county_file(demo_yaml(tmp_path, drop="people"))
    problems = {(p.location, p.field) for p in err.value.problems}
    assert problems == {("第 6 行", "districts 第 1 项的 lead"), ("第 8 行", "districts 第 2 项的 lead"),
                        ("第 10 行", "districts 第 3 项的 lead")}
    assert "文件里没有人员名单" in str(err.value) and "county.yaml" in str(err.value)


def test_yaml_without_people_and_leads_loads(tmp_path: Path) -> None:
    leads = {f"    lead: {key}\n": "" for key in ("p-zhou", "p-chen", "p-he")}
    data = load_county_file(demo_yaml(tmp_path, drop="people", edit=leads))
    assert data.people == [] and "people" not in data.sections and len(data.rooms) == 8


def test_workbook_without_room_sheet_leaves_rooms_out(tmp_path: Path) -> None:
    data = load_county_file(demo_xlsx(tmp_path, drop=("群",)))
    assert data.rooms == [] and data.sections == {"districts", "schools", "people"}


def test_workbook_with_an_empty_room_sheet_says_there_are_none(tmp_path: Path) -> None:
    path = demo_xlsx(tmp_path)
    book = openpyxl.load_workbook(path)
    book["群"].delete_rows(2, book["群"].max_row)
    book.save(path)
    data = load_county_file(path)
    assert data.rooms == [] and "rooms" in data.sections


def test_workbook_without_district_sheet_implies_districts(tmp_path: Path) -> None:
    data = load_county_file(demo_xlsx(tmp_path, drop=("责任区",)))
    assert [d.name for d in data.districts] == ["第一责任区", "第二责任区", "第三责任区"]
    assert data.sections == {"schools", "people", "rooms"}
    assert load_county_file(demo_xlsx(tmp_path, name="full.xlsx")).sections == set(SECTIONS)


def test_a_bad_workbook_without_room_sheet_is_still_located(tmp_path: Path) -> None:
    path = demo_xlsx(tmp_path, drop=("群",))
    book = openpyxl.load_workbook(path)
    book["人员"]["E10"] = "不存在的学校"
    book.save(path)
    with pytest.raises(CountyError) as err:
        load_county_file(path)
    assert [(p.location, p.field) for p in err.value.problems] == [("工作表“人员”第 10 行", "“学校”列")]
    assert "county.xlsx" in str(err.value) and "不存在的学校" in str(err.value)
