"""The county workbook: round trip with the demo county, lenient headers, and errors by sheet, row and column."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.county import DEMO_COUNTY_FILE, CountyError, load_county_file, write_county_xlsx
from bot.county.policy import Policy

Sheets = dict[str, list[list[object]]]

SMALL: Sheets = {
    "设置": [["项目", "值"], ["县名", "测试县"], ["额外放假日", "2027-01-01、2027-01-02"], ["额外上班日", None]],
    "学校": [
        ["学校名称", "简称", "责任区", "类型"],
        ["测试县第一中学", "一中，县一中", "第一责任区", "高中"],
        ["测试县实验小学", "实小", "第二责任区", "小学"],
    ],
    "人员": [
        ["编号", "姓名", "角色", "账号ID", "学校"],
        ["p-off", "办公室", "督导室", "wx-off", None],
        ["p-sup", "督学甲", "督学", "wx-sup", "测试县第一中学；测试县实验小学"],
        ["p-pri", "校长乙", "校长", 12345, "测试县第一中学"],
        ["p-new", "园长丙", "园长", None, "测试县实验小学"],
    ],
    "群": [
        ["群ID", "群名称", "范围", "责任区", "学校"],
        ["room-office", "办公室群", "督导室", None, None],
        ["room-s1", "一中群", "学校", None, "测试县第一中学"],
    ],
}


def book(tmp_path: Path, sheets: Sheets, name: str = "county.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def changed(sheet: str, row: int, column: int, value: object) -> Sheets:
    """SMALL with one cell (1-based row and column) changed."""
    sheets = {title: [list(r) for r in rows] for title, rows in SMALL.items()}
    sheets[sheet][row - 1][column - 1] = value
    return sheets


def problems(tmp_path: Path, sheets: Sheets) -> list[tuple[str, str, str]]:
    with pytest.raises(CountyError) as caught:
        load_county_file(book(tmp_path, sheets))
    return [(p.location, p.field, p.message) for p in caught.value.problems]


def test_demo_round_trip(tmp_path: Path) -> None:
    demo = load_county_file(DEMO_COUNTY_FILE)
    path = tmp_path / "demo.xlsx"
    write_county_xlsx(demo, path)
    again = load_county_file(path)
    assert again.model_dump() == demo.model_dump()
    assert again == demo
    assert openpyxl.load_workbook(path).sheetnames == ["设置", "责任区", "学校", "人员", "群", "学期", "专项督导", "考核指标"]


def test_small_workbook(tmp_path: Path) -> None:
    data = load_county_file(book(tmp_path, SMALL))
    assert data.county == "测试县"
    assert [d.name for d in data.districts] == ["第一责任区", "第二责任区"]  # from 学校.责任区
    assert data.districts[0].lead is None
    assert data.schools[0].short == ["一中", "县一中"]
    assert data.people[1].schools == ["测试县第一中学", "测试县实验小学"]
    assert data.people[2].chat_id == "12345" and data.people[2].school == "测试县第一中学"
    assert data.people[3].chat_id is None
    assert [r.scope for r in data.rooms] == ["office", "school"]
    assert data.calendar.extra_holidays == [date(2027, 1, 1), date(2027, 1, 2)]
    assert data.policy == Policy()


def test_lenient_headers_and_rows(tmp_path: Path) -> None:
    sheets = changed("学校", 1, 1, " 学校 ")
    sheets["学校"][0].append("备注")  # an extra column is ignored
    sheets["学校"][1].append("这是备注")
    sheets["人员"][0][3] = "微信号"
    sheets["人员"].insert(2, [None, None, None, None, None])  # an empty row is skipped
    sheets["责任区"] = [[None], ["责任区", "负责人编号"], ["第一责任区", "p-sup"], ["第二责任区", None]]
    sheets["学期"] = [["学期名称", "开学日期", "检查开始"], ["2026年秋季学期", datetime(2026, 9, 1), -3]]
    data = load_county_file(book(tmp_path, sheets))
    assert data.schools[0].name == "测试县第一中学"
    assert data.people[2].chat_id == "12345"
    assert data.districts[0].lead == "p-sup"
    assert data.calendar.terms[0].starts == date(2026, 9, 1)
    assert data.calendar.terms[0].check_window == (-3, 14)


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "where", "header", "message"),
    [
        ("人员", 4, 5, "测试县不存在小学", "工作表“人员”第 4 行", "“学校”列", "名册里没有“测试县不存在小学”这所学校"),
        ("人员", 3, 5, "测试县第一中学、不存在", "工作表“人员”第 3 行", "“学校”列", "名册里没有“不存在”这所学校"),
        ("人员", 4, 3, "老师", "工作表“人员”第 4 行", "“角色”列", "“老师”不在可选的范围内，只能填：督导室、督学、校长、园长"),
        ("人员", 4, 4, "wx-sup", "工作表“人员”第 4 行", "“账号ID”列", "账号ID“wx-sup”与工作表“人员”第 3 行重复"),
        ("人员", 4, 1, "p-sup", "工作表“人员”第 4 行", "“编号”列", "人员编号“p-sup”与工作表“人员”第 3 行重复"),
        ("人员", 4, 2, None, "工作表“人员”第 4 行", "“姓名”列", "这一项必须填写"),
        ("人员", 5, 5, None, "工作表“人员”第 5 行", "“学校”列", "园长必须填写所在的学校"),
        ("学校", 3, 2, "一中", "工作表“学校”第 3 行", "“简称”列", "简称“一中”已经是“测试县第一中学”（工作表“学校”第 2 行）的名称或简称了"),
        ("学校", 3, 1, "测试县第一中学", "工作表“学校”第 3 行", "“学校名称”列", "学校名称“测试县第一中学”与工作表“学校”第 2 行重复"),
        ("群", 2, 3, "县", "工作表“群”第 2 行", "“范围”列", "群的范围只能填 督导室、责任区 或 学校"),
        ("群", 3, 1, "room-office", "工作表“群”第 3 行", "“群ID”列", "群ID“room-office”与工作表“群”第 2 行重复"),
        ("群", 3, 5, "某小学", "工作表“群”第 3 行", "“学校”列", "名册里没有“某小学”这所学校"),
        ("设置", 2, 2, None, "工作表“设置”第 2 行", "设置项“县名”", "这一项必须填写"),
        ("设置", 3, 2, "2027-02-30", "工作表“设置”第 3 行", "设置项“额外放假日”", "“2027-02-30”不是有效的日期"),
        ("设置", 4, 1, "时区", "工作表“设置”第 4 行", "“项目”列", "不认识设置项“时区”。可以填写的设置项有：县名、督导室名称、额外放假日、额外上班日、每个逾期扣分、通报发送、申诉决定时限、延期起算。"),
    ],
)
def test_errors_name_sheet_row_and_column(
    tmp_path: Path, sheet: str, row: int, column: int, value: object, where: str, header: str, message: str
) -> None:
    found = problems(tmp_path, changed(sheet, row, column, value))
    assert any(loc == where and f == header and message in msg for loc, f, msg in found), found


def test_district_sheet_errors(tmp_path: Path) -> None:
    sheets = dict(SMALL, 责任区=[["责任区", "负责人编号"], ["第一责任区", "p-nobody"]])
    found = problems(tmp_path, sheets)
    assert ("工作表“责任区”第 2 行", "“负责人编号”列", "名册的人员中没有编号“p-nobody”。") in found
    assert ("工作表“学校”第 3 行", "“责任区”列", "名册里没有“第二责任区”这个责任区，请检查名称是否写错。") in found


def test_missing_column_and_sheet(tmp_path: Path) -> None:
    sheets = changed("人员", 1, 3, "职务")
    del sheets["学校"]
    found = problems(tmp_path, sheets)
    assert ("工作表“人员”第 1 行", "“角色”列", "缺少必填的列“角色”（这一行是表头）。请在表头里加上这一列。") in found
    assert ("工作表“学校”", "", "缺少工作表“学校”（现有的工作表：设置、人员、群）。请添加这张表，或把对应的表改名为“学校”；可以用 dudao county template 生成一份模板对照。") in found
    with pytest.raises(CountyError, match="county.xlsx，工作表“人员”第 1 行，“角色”列：缺少必填的列“角色”"):
        load_county_file(book(tmp_path, sheets))


def test_term_errors(tmp_path: Path) -> None:
    sheets = dict(SMALL, 学期=[["学期名称", "开学日期", "检查开始", "检查结束"], ["秋季", "2026-09-01", 14, -7]])
    found = problems(tmp_path, sheets)
    assert any(loc == "工作表“学期”第 2 行" and f == "“检查开始/检查结束”列" for loc, f, _ in found), found


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip file")
    with pytest.raises(CountyError, match="broken.xlsx：打不开这个工作簿"):
        load_county_file(path)
    with pytest.raises(CountyError, match="missing.xlsx：找不到这个文件"):
        load_county_file(tmp_path / "missing.xlsx")
    empty = book(tmp_path, dict(SMALL, 人员=[]), "empty.xlsx")
    with pytest.raises(CountyError, match="empty.xlsx，工作表“人员”：工作表是空的"):
        load_county_file(empty)
