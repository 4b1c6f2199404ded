"""专项督导 campaigns in the county file: a `campaigns:` list in YAML and a 专项督导 sheet in the workbook — the
demo county with campaigns added round-trips through .xlsx, and each mistake is named with its line or row and
field. (The demo county itself has no campaign and loads unchanged.)"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.county import DEMO_COUNTY_FILE, CountyError, load_county_file, write_county_xlsx
from tests.support.county_files import CAMPAIGNS, with_campaigns


def test_demo_county_has_none_and_yaml_campaigns_round_trip_through_xlsx(tmp_path: Path) -> None:
    demo = load_county_file(DEMO_COUNTY_FILE)
    assert demo.campaigns == [] and "campaigns" not in demo.model_fields_set
    data = load_county_file(with_campaigns(tmp_path))
    first, second = data.campaigns
    assert (first.kind, first.starts, first.ends, first.scope) == ("双减", date(2024, 3, 1), date(2024, 3, 31), ["全部"])
    assert (second.kind, second.items, second.checkers) == ("幼儿园办园行为", ["保教结合", "去小学化"], ["p-li", "p-liu"])
    write_county_xlsx(data, tmp_path / "county.xlsx")
    again = load_county_file(tmp_path / "county.xlsx")
    assert again.campaigns == data.campaigns


@pytest.mark.parametrize("edit,bad,field,message", [
    ("scope: 全部", "scope: [第九责任区]", "campaigns 第 1 项的 scope 第 1 项", "“第九责任区”不是文件中的责任区或学校"),
    ("kind: 双减", "kind: 体育", "campaigns 第 1 项的 kind", "专项督导类别只能填"),
    ("ends: 2024-03-31", "ends: 2024-02-30", "campaigns 第 1 项的 ends", "不是有效的日期"),
    ("checkers: [p-li, p-liu]", "checkers: [p-wangf]", "campaigns 第 2 项的 checkers 第 1 项", "应当是督学或督导室"),
])
def test_yaml_errors_name_the_line_and_field(tmp_path: Path, edit: str, bad: str, field: str, message: str) -> None:
    path = with_campaigns(tmp_path, CAMPAIGNS.replace(edit, bad))
    line = path.read_text(encoding="utf-8").splitlines().index(f"    {bad}") + 1
    with pytest.raises(CountyError) as caught:
        load_county_file(path)
    found = [(p.location, p.field, p.message) for p in caught.value.problems]
    assert any(loc == f"第 {line} 行" and f == field and message in msg for loc, f, msg in found), found


def _xlsx_problems(tmp_path: Path, cell: str, value: str) -> list[tuple[str, str, str]]:
    import openpyxl

    write_county_xlsx(load_county_file(with_campaigns(tmp_path)), tmp_path / "county.xlsx")
    book = openpyxl.load_workbook(tmp_path / "county.xlsx")
    book["专项督导"][cell] = value
    book.save(tmp_path / "county.xlsx")
    with pytest.raises(CountyError) as caught:
        load_county_file(tmp_path / "county.xlsx")
    return [(p.location, p.field, p.message) for p in caught.value.problems]


@pytest.mark.parametrize("cell,value,where,column,message", [
    ("E3", "第一责任区、城中学校", "工作表“专项督导”第 3 行", "“范围”列", "“城中学校”不是文件中的责任区或学校"),
    ("B2", "体育", "工作表“专项督导”第 2 行", "“类别”列", "专项督导类别只能填"),
    ("D2", "2024-02-30", "工作表“专项督导”第 2 行", "“结束日期”列", "不是有效的日期"),
])
def test_xlsx_errors_name_the_row_and_column(tmp_path: Path, cell: str, value: str, where: str, column: str,
                                             message: str) -> None:
    found = _xlsx_problems(tmp_path, cell, value)
    assert any(loc == where and f == column and message in msg for loc, f, msg in found), found
