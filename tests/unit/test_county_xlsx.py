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
    assert openpyxl.load_workbook(path).sheetnames == ["设置", "责任区", "学校", "人员", "群", "学期"]


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
        ("人员", 4, 5, "测试县不存在小学", "sheet 人员, row 4", "学校", "unknown school “测试县不存在小学”"),
        ("人员", 3, 5, "测试县第一中学、不存在", "sheet 人员, row 3", "学校", "unknown school “不存在”"),
        ("人员", 4, 3, "老师", "sheet 人员, row 4", "角色", "got “老师”"),
        ("人员", 4, 4, "wx-sup", "sheet 人员, row 4", "账号ID", "duplicate chat id “wx-sup”"),
        ("人员", 4, 1, "p-sup", "sheet 人员, row 4", "编号", "duplicate person id “p-sup”"),
        ("人员", 4, 2, None, "sheet 人员, row 4", "姓名", "missing required field"),
        ("人员", 5, 5, None, "sheet 人员, row 5", "学校", "a 园长 needs a school"),
        ("学校", 3, 2, "一中", "sheet 学校, row 3", "简称", "short name “一中” is also used by “测试县第一中学”"),
        ("学校", 3, 1, "测试县第一中学", "sheet 学校, row 3", "学校名称", "duplicate school name"),
        ("群", 2, 3, "县", "sheet 群, row 2", "范围", "got “县”"),
        ("群", 3, 1, "room-office", "sheet 群, row 3", "群ID", "duplicate room chat id"),
        ("群", 3, 5, "某小学", "sheet 群, row 3", "学校", "unknown school “某小学”"),
        ("设置", 2, 2, None, "sheet 设置, row 2", "县名", "missing required field"),
        ("设置", 3, 2, "2027-02-30", "sheet 设置, row 3", "额外放假日", "valid date"),
        ("设置", 4, 1, "时区", "sheet 设置, row 4", "项目", "unknown setting “时区”"),
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
    assert ("sheet 责任区, row 2", "负责人编号", "unknown person id “p-nobody”") in found
    assert ("sheet 学校, row 3", "责任区", "unknown district “第二责任区”") in found


def test_missing_column_and_sheet(tmp_path: Path) -> None:
    sheets = changed("人员", 1, 3, "职务")
    del sheets["学校"]
    found = problems(tmp_path, sheets)
    assert ("sheet 人员, row 1", "角色", "missing required column “角色”") in found
    assert ("sheet 学校", "", "no sheet with this name") in found
    with pytest.raises(CountyError, match="county.xlsx: sheet 人员, row 1, 角色: missing required column “角色”"):
        load_county_file(book(tmp_path, sheets))


def test_term_errors(tmp_path: Path) -> None:
    sheets = dict(SMALL, 学期=[["学期名称", "开学日期", "检查开始", "检查结束"], ["秋季", "2026-09-01", 14, -7]])
    found = problems(tmp_path, sheets)
    assert any(loc == "sheet 学期, row 2" and f == "检查开始/检查结束" for loc, f, _ in found), found


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip file")
    with pytest.raises(CountyError, match="broken.xlsx: not a readable .xlsx workbook"):
        load_county_file(path)
    with pytest.raises(CountyError, match="file not found"):
        load_county_file(tmp_path / "missing.xlsx")
    empty = book(tmp_path, dict(SMALL, 人员=[]), "empty.xlsx")
    with pytest.raises(CountyError, match="sheet 人员: the sheet is empty"):
        load_county_file(empty)
