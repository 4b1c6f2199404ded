"""No formula, ever: every text the project writes to a workbook (the 整改台账, the 考核, the county template) passes
bot.text.cell_text after the invisible characters are removed. Written by each real writer and read back with
openpyxl: never a formula cell, and a text a spreadsheet would read as one — whatever control, zero-width,
bidirectional or space characters come before its `=`, `+`, `-`, `@`, tab or CR — starts with an apostrophe."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.county import DEMO_COUNTY_FILE, load_county_file, write_county_xlsx
from bot.reports.book_style import text_cell
from bot.reports.ledger_book import write_ledger
from bot.text import FORMULA_LEADS, cell_text, from_cell_text, xml_text
from tests.support.paths import REPO

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))]
INVISIBLE = list("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
                 "\u2066\u2067\u2068\u2069\ufeff\u061c\u00ad\u180e\ufff9") + ["\U000e0001", "\U000e0041"]
SPACES = list(" \u3000\u00a0\u2005\u2002\u200a\u202f\u205f\u1680\u2028\u2029\t\r\n\x0b\x0c")
LEADS = ["=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r"]
REST = st.sampled_from(['HYPERLINK("http://evil.example","点我")', "1+1", "cmd|' /C calc'!A0", "SUM(A1:A9)", "",
                        "点我"])
prefixes = st.lists(st.sampled_from(CONTROLS + INVISIBLE + SPACES), max_size=6).map("".join)
formulas = st.tuples(prefixes, st.sampled_from(LEADS), REST).map("".join)


def _lines(text: str) -> str:
    """A text as XML gives it back (a CR, or CR LF, is read as LF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _ledger_rows(texts: list[str]) -> AsyncIterator[tuple]:
    async def rows() -> AsyncIterator[tuple]:
        for i, text in enumerate(texts, start=1):
            yield (f"Q{i}", text, text, text, text, text, text, text, None, None, text, "", text, None, 0, text,
                   None, text, text, text)
    return rows()


def _written(texts: list[str], tmp: Path) -> dict[str, list]:
    """Each writer's cells of `texts` as openpyxl reads them back: the ledger's user columns (write-only, plain and
    styled cells), book_style's text_cell (the 考核, the titles, the 说明 sheets), the county template's rooms."""
    ledger = tmp / "ledger.xlsx"
    asyncio.run(write_ledger(ledger, _ledger_rows(texts), county="城口县", generated=datetime(2026, 12, 6, 15, 30)))
    ws = load_workbook(ledger)["整改台账"]
    ledger_cells = [ws.cell(4 + i, col) for i in range(len(texts)) for col in (3, 7, 14, 21)]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("考核")
    for text in texts:
        sheet.append([text_cell(sheet, text)])
    styled = tmp / "styled.xlsx"
    book.save(styled)
    styled_cells = [row[0] for row in load_workbook(styled)["考核"].iter_rows()]

    demo = load_county_file(DEMO_COUNTY_FILE)
    rooms = [demo.rooms[0].model_copy(update=dict(name=text)) for text in texts]
    county = tmp / "county.xlsx"
    write_county_xlsx(demo.model_copy(update=dict(rooms=rooms)), county)
    ws = load_workbook(county)["群"]
    name = [c.value for c in ws[1]].index("群名称") + 1
    county_cells = [ws.cell(2 + i, name) for i in range(len(texts))]
    return dict(ledger=ledger_cells, styled=styled_cells, county=county_cells)


def _check(texts: list[str], tmp: Path) -> None:
    for writer, cells in _written(texts, tmp).items():
        for text, cell in zip([t for t in texts for _ in range(len(cells) // len(texts))], cells, strict=True):
            shown = cell.value or ""
            assert cell.data_type != "f", (writer, text)
            assert xml_text(shown) == shown, (writer, text)  # no control or invisible character is kept
            assert _lines(shown) == _lines(cell_text(text)), (writer, text)
            assert not shown.lstrip().startswith(FORMULA_LEADS), (writer, text)  # the lead behind the apostrophe
            if xml_text(text).lstrip().startswith(FORMULA_LEADS) or xml_text(text).startswith(FORMULA_LEADS):
                assert shown.startswith("'"), (writer, text, shown)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(formulas, min_size=1, max_size=12))
def test_no_prefix_of_invisible_or_space_characters_makes_a_formula(tmp_path: Path, texts: list[str]) -> None:
    _check(texts, tmp_path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8))
def test_any_text_at_all_is_never_a_formula(tmp_path: Path, texts: list[str]) -> None:
    _check(texts, tmp_path)


def test_every_prefix_of_one_invisible_character_before_each_lead() -> None:
    """Exhaustively the short prefixes the property samples: one and two characters of each kind."""
    singles = CONTROLS + INVISIBLE + SPACES
    for lead in LEADS:
        for prefix in ["", *singles, *(a + b for a in INVISIBLE for b in (" ", "\u3000", "\t", "\x01"))]:
            text = cell_text(f"{prefix}{lead}1+1")
            assert xml_text(text) == text, repr(prefix + lead)
            # a tab or CR leads only at the very start (after spaces it is one more space, before 1+1)
            if lead not in "\t\r" or xml_text(prefix) in ("", "\t", "\r", "\n"):
                assert text.startswith("'"), repr(prefix + lead)


def test_words_are_left_as_typed() -> None:
    for text in ("扶手=松动", "消防通道堆放杂物", "Q12 已整改", "👨\u200d👩\u200d👧 家长开放日", "整改完成", "'引号开头"):
        assert cell_text(text) == text
    assert cell_text("\u202e整改完成") == "整改完成" and cell_text("gpj\u202e.exe") == "gpj.exe"


def test_the_county_template_reads_back_what_was_written(tmp_path: Path) -> None:
    """The county writer's apostrophe is read off again (bot.county.xlsx_source): a name starting with `=` or `-`
    stays itself through `dudao county template` and a load."""
    demo = load_county_file(DEMO_COUNTY_FILE)
    names = ["=HYPERLINK(\"http://evil.example\")", "-城口中学家长群", "'引号开头", "+86 群"]
    rooms = [room.model_copy(update=dict(name=name)) for room, name in zip(demo.rooms, names, strict=False)]
    path = tmp_path / "county.xlsx"
    write_county_xlsx(demo.model_copy(update=dict(rooms=[*rooms, *demo.rooms[len(rooms):]])), path)
    cells = [c for row in load_workbook(path)["群"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [r.name for r in load_county_file(path).rooms][:len(rooms)] == names[:len(rooms)]
    assert from_cell_text(cell_text("=1")) == "=1" and from_cell_text("'引号开头") == "'引号开头"


def test_every_workbook_the_project_writes_passes_cell_text() -> None:
    """A module that makes a workbook (`Workbook(`) writes its texts through bot.text.cell_text (directly or by
    book_style's text_cell): a new writer fails here until it does."""
    writers = {}
    for top in ("bot", "handlers", "reminders", "tools"):
        for path in (REPO / top).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "Workbook(" in source:
                writers[str(path.relative_to(REPO))] = "cell_text(" in source or "text_cell(" in source
    assert set(writers) >= {"bot/reports/ledger_book.py", "bot/reports/assessment_book.py",
                            "bot/county/xlsx_writer.py"}
    assert [path for path, routed in writers.items() if not routed] == []
