"""Broken county files as an office clerk makes them (YAML and .xlsx): each problem is said in Chinese, names the file,
the line or the sheet and row, the field or column (a duplicate names both places), and says nothing in a library's
words. What `dudao county load` prints for them is checked the same way."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from bot.cli.say import say
from bot.county import CountyError, load_county_file
from tests.support.county_files import demo_xlsx, demo_yaml

# ASCII words an answer may hold besides those the clerk wrote in the file: names of formats, tools and commands.
ALLOWED = {"yaml", "yml", "xlsx", "xls", "utf", "wps", "excel", "dudao", "county", "load", "check", "template",
           "true", "false", "last", "asia", "shanghai", "office", "district", "school", "schools", "sqlite", "aiosqlite",
           "districts", "data", "db", "postgresql", "asyncpg", "createdb", "p", "li", "tab"}
JARGON = ("Input", "input", "value", "Value", "Error", "error", "Traceback", "valid", "should", "field", "missing",
          "required", "type", "got", "expected", "line", "row", "sheet", "unknown", "duplicate", "loc", "msg")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    return [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line][nth - 1]


def workbook(tmp: Path, edit: Callable[[openpyxl.Workbook], None], name: str = "county.xlsx") -> Path:
    path = demo_xlsx(tmp, name=name)
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def _set(sheet: str, row: int, column: int, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet].cell(row=row, column=column).value = value
    return edit


def _text(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path
    return make


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    place: Callable[[Path], str] | str  # where the problem is (its line or sheet and row), "" for the whole file
    field: str  # the field or column named, "" if none
    says: tuple[str, ...]  # what the message must say


CASES = {
    "a school listed twice names both lines": Case(
        lambda t: demo_yaml(t, edit={"{name: 城口县葛城小学, short: [葛城小学]": "{name: 城口县第一中学, short: [葛城小学]"}),
        lambda p: f"第 {line_of(p, '{name: 城口县第一中学, short: [葛城小学]')} 行", "schools 第 4 项的 name",
        ("学校名称“城口县第一中学”", "第 13 行", "重复")),
    "a person id given twice names both lines": Case(
        lambda t: demo_yaml(t, edit={"{id: p-li, name: 李明": "{id: p-zhou, name: 李明"}),
        lambda p: f"第 {line_of(p, 'id: p-zhou, name: 李明')} 行", "people 第 4 项的 id",
        ("人员编号“p-zhou”", "第 33 行", "重复")),
    "a list where one name belongs": Case(
        lambda t: demo_yaml(t, edit={"county: 城口县": "county: [城口县, 巫溪县]"}),
        "第 3 行", "county", ("应当填一段文字", "[城口县, 巫溪县]")),
    "a school without its district": Case(
        lambda t: demo_yaml(t, edit={"short: [葛城小学], district: 第一责任区, ": "short: [葛城小学], "}),
        lambda p: f"第 {line_of(p, '城口县葛城小学, short')} 行", "schools 第 4 项的 district", ("必须填写",)),
    "a school in a district that does not exist": Case(
        lambda t: demo_yaml(t, edit={"short: [庙坝小学], district: 第三责任区": "short: [庙坝小学], district: 第四责任区"}),
        lambda p: f"第 {line_of(p, '第四责任区')} 行", "schools 第 11 项的 district", ("“第四责任区”这个责任区",)),
    "a start of term on 30 February": Case(
        lambda t: demo_yaml(t, edit={"starts: 2023-02-13": "starts: 2023-02-30"}),
        lambda p: f"第 {line_of(p, '2023-02-30')} 行", "calendar.terms 第 1 项的 starts",
        ("“2023-02-30”不是有效的日期", "2026-09-01")),
    "a phone number the county file has no place for": Case(
        lambda t: demo_yaml(t, edit={"{id: p-li, name: 李明,": "{id: p-li, name: 李明, phone: 138-0000-abcd,"}),
        lambda p: f"第 {line_of(p, 'phone:')} 行", "people 第 4 项的 phone", ("没有“phone”这一项",)),
    "a role that does not exist": Case(
        lambda t: demo_yaml(t, edit={"role: 督学, chat_id: wxid_liming": "role: 教师, chat_id: wxid_liming"}),
        lambda p: f"第 {line_of(p, '教师')} 行", "people 第 4 项的 role", ("“教师”", "督导室、督学、校长、园长")),
    "an empty file": Case(_text("county.yaml", ""), "", "", ("文件是空的",)),
    "a tab for indentation": Case(
        lambda t: demo_yaml(t, edit={"  timezone: Asia/Shanghai": "\ttimezone: Asia/Shanghai"}),
        lambda p: f"第 {line_of(p, 'timezone')} 行", "", ("Tab",)),
    "an unclosed bracket": Case(
        lambda t: demo_yaml(t, edit={"short: [城口中学, 城中],": "short: [城口中学, 城中,"}),
        lambda p: f"第 {line_of(p, '城中,')} 行", "", ("方括号", "没有配对")),
    "a Word document saved as .yaml": Case(_text("county.yaml", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "", "",
                                           ("不是 UTF-8 编码",)),
    "a list instead of a county": Case(_text("county.yaml", "- 城口县\n- 第一责任区\n"), "第 1 行", "",
                                       ("最外层", "county: 城口县")),
    "a .docx file": Case(_text("名册.docx", "x"), "", "", ("“.docx”", ".yaml", ".xlsx")),
    "a workbook without the 人员 sheet": Case(
        lambda t: workbook(t, lambda b: b.remove(b["人员"])), "工作表“人员”", "", ("缺少工作表“人员”", "dudao county template")),
    "a 人员 sheet whose 角色 header was renamed": Case(
        lambda t: workbook(t, _set("人员", 1, 3, "职务")), "工作表“人员”第 1 行", "“角色”列", ("缺少必填的列“角色”",)),
    "a person id twice in the workbook names both rows": Case(
        lambda t: workbook(t, _set("人员", 5, 1, "p-zhou")), "工作表“人员”第 5 行", "“编号”列",
        ("人员编号“p-zhou”", "工作表“人员”第 4 行", "重复")),
    "a school in the workbook whose 责任区 is not in 责任区": Case(
        lambda t: workbook(t, _set("学校", 3, 3, "第九责任区")), "工作表“学校”第 3 行", "“责任区”列",
        ("“第九责任区”这个责任区",)),
    "a workbook term starting on a date that does not exist": Case(
        lambda t: workbook(t, _set("学期", 2, 2, "2026-02-30")), "工作表“学期”第 2 行", "“开学日期”列",
        ("“2026-02-30”不是有效的日期",)),
    "a workbook row without a name": Case(
        lambda t: workbook(t, _set("人员", 6, 2, None)), "工作表“人员”第 6 行", "“姓名”列", ("必须填写",)),
    "a text file named .xlsx": Case(_text("county.xlsx", "学校,人员\n"), "", "", ("打不开这个工作簿", "另存为")),
}


def _problems(tmp_path: Path, case: Case) -> tuple[Path, CountyError]:
    path = case.make(tmp_path)
    with pytest.raises(CountyError) as caught:
        load_county_file(path)
    return path, caught.value


def _no_jargon(text: str, source: Path) -> None:
    written = source.read_bytes().decode("utf-8", "replace") + source.name if source.suffix != ".xlsx" else source.name
    if source.suffix == ".xlsx" and source.stat().st_size and source.read_bytes()[:2] == b"PK":
        book = openpyxl.load_workbook(source)
        written += " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
    for word in JARGON:
        assert not re.search(rf"\b{word}\b", text), (word, text)
    strangers = {w for w in re.findall(r"[A-Za-z_]+", text) if w.lower() not in ALLOWED and w not in written}
    assert not strangers, (strangers, text)
    assert "Traceback" not in text and "pydantic" not in text.lower()


@pytest.mark.parametrize("name", list(CASES))
def test_a_broken_county_file_is_named_in_chinese_with_its_place(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path, err = _problems(tmp_path, case)
    place = case.place(path) if callable(case.place) else case.place
    hits = [p for p in err.problems if p.location == place and p.field == case.field
            and all(words in p.message for words in case.says)]
    assert hits, [(p.location, p.field, p.message) for p in err.problems]
    line = str(hits[0])
    assert line.startswith(path.name) and place in line and case.field in line
    _no_jargon(str(err), path)
    shown = say("county_error", file=err.file, problems=err.problems, action="load", path=path, limit=30)
    assert shown.startswith(f"名册文件 {path.name} 有 {len(err.problems)} 处需要改正，这次没有载入，数据库里的名册保持原样")
    assert f"dudao county load {path}" in shown
    _no_jargon(shown.replace(str(path.parent), ""), path)


def test_every_problem_in_a_file_is_listed_numbered(tmp_path: Path) -> None:
    path = demo_yaml(tmp_path, edit={"role: 督学, chat_id: wxid_liming": "role: 教师, chat_id: wxid_liming",
                                     "starts: 2023-02-13": "starts: 2023-02-30"})
    with pytest.raises(CountyError) as caught:
        load_county_file(path)
    shown = say("county_error", file="county.yaml", problems=caught.value.problems, action="check", path=path, limit=30)
    lines = shown.splitlines()
    assert lines[0] == "名册文件 county.yaml 有 2 处需要改正，还不能使用："
    assert lines[1].startswith("1. 第 ") and lines[2].startswith("2. 第 ")
    assert lines[-1] == f"改好后可以再检查一次：dudao county check {path}"
