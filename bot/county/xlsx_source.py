"""Load a county from an .xlsx workbook; problems are reported as "sheet 人员, row 7" and the column header.

The workbook layout (sheets 设置, 责任区, 学校, 人员, 群, 学期, 专项督导, 考核指标 and their Chinese headers) is
described in bot.county.xlsx_layout and docs/county-xlsx.md. Of the policy only the 综合督导考核 (考核指标,
每个逾期扣分), the rooms an issued 通报 goes to (通报发送) and 申诉决定时限 are in the workbook; the rest takes its
default values.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

import bot.county.xlsx_layout as lay
from bot.county.errors import (
    CountyError,
    CountyProblem,
    Loc,
    field_label,
    file_error,
)
from bot.county.schema import LIST_SEPARATORS, PRINCIPAL_ROLES, CountyData, validate_county
from bot.text import from_cell_text

Row = tuple[int, dict[str, Any]]  # (1-based row number in the sheet, field -> cell value)
_LABELS = {("people", "schools"): "学校", ("terms", "check_window"): "检查开始/检查结束"}


@dataclass
class _Origin:
    """Where each item of the assembled data came from."""

    rows: dict[str, list[int]] = field(default_factory=dict)  # section -> row of each item
    sheets: dict[str, lay.Sheet] = field(default_factory=dict)  # section -> its sheet
    settings: dict[str, int] = field(default_factory=dict)  # 设置 key -> row
    indicators: dict[str, int] = field(default_factory=dict)  # 考核指标 indicator name -> row


def load_county_xlsx(path: Path | str) -> CountyData:
    """Read and validate a county workbook; raises CountyError listing every problem."""
    path = Path(path)
    name = path.name
    tables, problems = _read_workbook(path, name)
    if problems:
        raise CountyError(problems)
    origin = _Origin()
    data, settings, unknown = _assemble(tables, origin)
    early = [CountyProblem(name, _at(lay.SETTINGS, row), _column("项目"), "setting_unknown",
                           {"key": key, "known": list(lay.SETTING_KEYS)}) for row, key in unknown]
    policy, policy_problems = _policy(tables, settings, origin, name)
    if policy:  # nothing of the policy in the workbook: the default policy, as before
        data["policy"] = policy
    early += policy_problems

    def locate(loc: Loc) -> tuple[str, str]:
        return _locate(origin, loc)

    derived = frozenset() if "districts" in tables else frozenset({"districts"})  # implied by 学校.责任区
    return validate_county(name, data, locate, early, derived)


def _read_workbook(path: Path, name: str) -> tuple[dict[str, list[Row]], list[CountyProblem]]:
    if not path.is_file():
        raise file_error(name, "file_not_found")
    tables: dict[str, list[Row]] = {}
    problems: list[CountyProblem] = []
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl has many errors for a file that is not a workbook
        raise file_error(name, "xlsx_unreadable") from None
    try:
        titles = {lay.header_key(t): t for t in book.sheetnames}
        for sheet in lay.SHEETS:
            title = titles.get(lay.header_key(sheet.title))
            if title is None:
                if sheet.required:
                    problems.append(CountyProblem(name, _at(sheet, None), "", "sheet_missing",
                                                  {"sheet": sheet.title, "present": list(book.sheetnames)}))
                continue
            rows, found = _read_sheet(book[title].iter_rows(values_only=True), sheet, name)
            tables[sheet.section] = rows
            problems += found
    except Exception:  # noqa: BLE001 — a damaged sheet
        raise file_error(name, "xlsx_damaged") from None
    finally:
        book.close()
    return tables, problems


def _clean(value: object) -> object:
    if isinstance(value, str):
        return from_cell_text(value).strip() or None  # the apostrophe xlsx_writer (bot.text.cell_text) put there
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_sheet(
    rows: Iterable[tuple[object, ...]], sheet: lay.Sheet, file: str
) -> tuple[list[Row], list[CountyProblem]]:
    index: dict[str, int] | None = None
    out: list[Row] = []
    for number, values in enumerate(rows, start=1):
        cells = [_clean(v) for v in values]
        if index is None:
            if any(c is not None for c in cells):
                index = _columns(sheet, cells)
                missing = [c.header for c in sheet.columns if c.required and c.field not in index]
                if missing:
                    return [], [CountyProblem(file, _at(sheet, number), _column(h), "column_missing", {"header": h})
                                for h in missing]
            continue
        row = {f: cells[i] if i < len(cells) else None for f, i in index.items()}
        if any(v is not None for v in row.values()):
            out.append((number, row))
    if index is None and sheet.required:
        return [], [CountyProblem(file, _at(sheet, None), "", "sheet_empty")]
    return out, []


def _columns(sheet: lay.Sheet, headers: list[object]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = lay.header_key(header) if header is not None else ""
        for column in sheet.columns:
            names = (column.header, *column.aliases)
            if column.field not in index and key in {lay.header_key(n) for n in names}:
                index[column.field] = i
                break
    return index


def _assemble(
    tables: dict[str, list[Row]], origin: _Origin
) -> tuple[dict[str, Any], dict[str, Any], list[tuple[int, str]]]:
    """The county data (without the policy), the 设置 values by key, and the unknown 设置 rows."""
    settings, unknown = _settings(tables.get("settings", []), origin)
    schools = tables.get("schools", [])
    if "districts" in tables:
        districts = tables["districts"]
        origin.sheets["districts"] = lay.DISTRICTS
    else:  # the distinct 责任区 of the schools, in order of appearance
        first: dict[Any, int] = {}
        for number, row in schools:
            first.setdefault(row.get("district"), number)
        districts = [(n, {"name": d}) for d, n in first.items() if d is not None]
        origin.sheets["districts"] = lay.SCHOOLS
    sections = {"districts": districts, "schools": schools, "people": tables.get("people", []),
                "rooms": tables.get("rooms", []), "terms": tables.get("terms", []),
                "campaigns": tables.get("campaigns", [])}
    for section, rows in sections.items():
        origin.rows[section] = [number for number, _ in rows]
        origin.sheets.setdefault(section, next(s for s in lay.SHEETS if s.section == section))
    data = {
        "county": settings.get(lay.COUNTY_KEY),
        "districts": [row for _, row in districts],
        "schools": [row for _, row in schools],
        "people": [_person(row) for _, row in sections["people"]],
        "calendar": {
            "terms": [_term(row) for _, row in sections["terms"]],
            "extra_holidays": _dates(settings.get(lay.HOLIDAYS_KEY)),
            "extra_workdays": _dates(settings.get(lay.WORKDAYS_KEY)),
        },
    }
    if settings.get(lay.OFFICE_KEY) is not None:  # no 督导室名称: the default name
        data["office"] = settings[lay.OFFICE_KEY]
    if "rooms" in tables:  # no 群 sheet: the rooms are left as they are
        data["rooms"] = [row for _, row in sections["rooms"]]
    if "campaigns" in tables:  # no 专项督导 sheet: the campaigns are left as they are
        data["campaigns"] = [row for _, row in sections["campaigns"]]
    return data, settings, unknown


def _policy(
    tables: dict[str, list[Row]], settings: dict[str, Any], origin: _Origin, file: str
) -> tuple[dict[str, Any], list[CountyProblem]]:
    """The part of the policy the workbook holds (an absent row or sheet is not in the dict: its default), and the
    problems only the workbook can have (an empty cell, an indicator twice, a room word not known)."""
    policy: dict[str, Any] = {}
    assessment, problems = _assessment(tables.get("assessment", []), origin, file)
    if settings.get(lay.DEDUCTION_KEY) is not None:
        assessment["overdue_deduction"] = settings[lay.DEDUCTION_KEY]
    if assessment:
        policy["school_assessment"] = assessment
    if settings.get(lay.BULLETIN_KEY) is not None:
        rooms, unknown = _bulletin_rooms(str(settings[lay.BULLETIN_KEY]))
        if unknown:
            problems.append(CountyProblem(file, _at(lay.SETTINGS, origin.settings[lay.BULLETIN_KEY]),
                                          _setting(lay.BULLETIN_KEY), "not_one_of",
                                          {"input": "、".join(unknown),
                                           "choices": list(lay.BULLETIN_ROOM_NAMES.values())}))
        else:
            policy["bulletin_rooms"] = rooms
    appeal = settings.get(lay.APPEAL_KEY)
    if appeal is not None:  # a number is working days; a phrase such as 5个工作日 is read as the YAML reads it
        whole = isinstance(appeal, int) and not isinstance(appeal, bool)
        policy["appeal_within"] = f"{appeal}个工作日" if whole or str(appeal).strip().isdigit() else str(appeal)
    extend = settings.get(lay.EXTEND_KEY)
    if extend is not None:  # 今日 / 原期限 (or the codes today / deadline)
        word = str(extend).strip()
        code = next((c for c, name in lay.EXTEND_FROM_NAMES.items() if word in (c, name)), None)
        if code is None:
            problems.append(CountyProblem(file, _at(lay.SETTINGS, origin.settings[lay.EXTEND_KEY]),
                                          _setting(lay.EXTEND_KEY), "not_one_of",
                                          {"input": word, "choices": list(lay.EXTEND_FROM_NAMES.values())}))
        else:
            policy["extend_from"] = code
    return policy, problems


def _assessment(rows: list[Row], origin: _Origin, file: str) -> tuple[dict[str, Any], list[CountyProblem]]:
    """{"indicators": {name: weight}} from the 考核指标 rows in their order ({} for none: the default weights)."""
    indicators: dict[str, Any] = {}
    problems: list[CountyProblem] = []
    for number, row in rows:
        missing = [header for name, header in (("name", "指标"), ("weight", "权重")) if row.get(name) is None]
        problems += [CountyProblem(file, _at(lay.ASSESSMENT, number), _column(h), "missing") for h in missing]
        name = str(row.get("name"))
        if missing:
            continue
        if name in origin.indicators:
            problems.append(CountyProblem(file, _at(lay.ASSESSMENT, number), _column("指标"), "duplicate",
                                          {"what": "考核指标", "value": name,
                                           "other": _at(lay.ASSESSMENT, origin.indicators[name])}))
            continue
        indicators[name], origin.indicators[name] = row.get("weight"), number
    return ({"indicators": indicators} if indicators else {}), problems


def _bulletin_rooms(text: str) -> tuple[list[str], list[str]]:
    """通报发送 as policy.bulletin_rooms (督导室 → office, 责任区 → district; the codes too), and the words naming
    neither."""
    codes = {lay.header_key(word): code for code, word in lay.BULLETIN_ROOM_NAMES.items()}
    codes |= {code: code for code in lay.BULLETIN_ROOM_NAMES}
    words = [w.strip() for w in LIST_SEPARATORS.split(text) if w.strip()]
    unknown = [w for w in words if lay.header_key(w) not in codes]
    return list(dict.fromkeys(codes[lay.header_key(w)] for w in words if w not in unknown)), unknown


def _settings(rows: list[Row], origin: _Origin) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The 设置 values by key, and the (row, key) of each setting not known."""
    values: dict[str, Any] = {}
    unknown: list[tuple[int, str]] = []
    keys = {lay.header_key(k): k for k in lay.SETTING_KEYS}
    for number, row in rows:
        key = keys.get(lay.header_key(row.get("key") or ""))
        if key is None:
            unknown.append((number, str(row.get("key") or "")))
            continue
        values[key], origin.settings[key] = row.get("value"), number
    return values, unknown


def _person(row: dict[str, Any]) -> dict[str, Any]:
    person = dict(row)
    school = person.pop("school", None)
    person["school" if person.get("role") in PRINCIPAL_ROLES else "schools"] = school
    return person


def _term(row: dict[str, Any]) -> dict[str, Any]:
    low, high = (row.get(k) for k in ("from", "to"))
    window = [lay.DEFAULT_WINDOW[0] if low is None else low, lay.DEFAULT_WINDOW[1] if high is None else high]
    return {"name": row.get("name"), "starts": row.get("starts"), "check_window": window}


def _dates(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in LIST_SEPARATORS.split(value.replace(" ", "\n")) if part]
    return [value]


def _locate(origin: _Origin, loc: Loc) -> tuple[str, str]:
    if loc and loc[0] == "policy":
        return _locate_policy(origin, loc)
    if not loc:
        return "", field_label(loc)
    if loc[0] in ("county", "office"):
        key = lay.COUNTY_KEY if loc[0] == "county" else lay.OFFICE_KEY
        return _at(lay.SETTINGS, origin.settings.get(key)), _setting(key)
    if loc[0] == "calendar":
        if len(loc) > 2 and loc[1] == "terms":
            return _item(origin, "terms", loc[2:])
        part = str(loc[1]) if len(loc) > 1 else ""
        dates_key = {"extra_holidays": lay.HOLIDAYS_KEY, "extra_workdays": lay.WORKDAYS_KEY}.get(part)
        if dates_key is None:  # both lists at once (a date in both)
            return _at(lay.SETTINGS, None), f"{_setting(lay.HOLIDAYS_KEY)}、{_setting(lay.WORKDAYS_KEY)}"
        return _at(lay.SETTINGS, origin.settings.get(dates_key)), _setting(dates_key)
    return _item(origin, str(loc[0]), loc[1:])


def _locate_policy(origin: _Origin, loc: Loc) -> tuple[str, str]:
    """policy.school_assessment.indicators.<name> (its 考核指标 row: a name not known is "[key]" after it, a bad
    weight is the value), the weights' sum (the sheet's 权重 column), or one of the 设置 rows."""
    rest = loc[1:]
    if rest[:2] == ("school_assessment", "indicators"):
        if len(rest) > 2:
            row = origin.indicators.get(str(rest[2]))
            return _at(lay.ASSESSMENT, row), _column("指标" if "[key]" in rest[3:] else "权重")
        return _at(lay.ASSESSMENT, None), _column("权重")
    key = {("school_assessment", "overdue_deduction"): lay.DEDUCTION_KEY, ("bulletin_rooms",): lay.BULLETIN_KEY,
           ("appeal_within",): lay.APPEAL_KEY, ("extend_from",): lay.EXTEND_KEY,
           }.get(tuple(p for p in rest if not isinstance(p, int))[:2])
    if key is None:
        return "", field_label(loc)
    return _at(lay.SETTINGS, origin.settings.get(key)), _setting(key)


def _item(origin: _Origin, section: str, rest: Loc) -> tuple[str, str]:
    sheet, rows = origin.sheets.get(section), origin.rows.get(section, [])
    if sheet is None:
        return "", field_label((section, *rest))
    if not rest or not isinstance(rest[0], int) or rest[0] >= len(rows):
        return _at(sheet, None), ""
    name = str(rest[1]) if len(rest) > 1 else ""
    header = _LABELS.get((section, name)) or (sheet.header_of(name) if name else "")
    return _at(sheet, rows[rest[0]]), _column(header) if header else ""


def _at(sheet: lay.Sheet, row: int | None) -> str:
    """工作表“人员”第 7 行 (the row as Excel numbers it), or the sheet alone."""
    return f"工作表“{sheet.title}”第 {row} 行" if row else f"工作表“{sheet.title}”"


def _column(header: str) -> str:
    return f"“{header}”列"


def _setting(key: str) -> str:
    return f"设置项“{key}”"

