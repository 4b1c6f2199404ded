"""The office's one official name: the county file's `office:` (YAML) or 督导室名称 (设置 sheet), else
{county}人民政府教育督导室 — carried into the roster snapshot the bot reads (Roster.office_name)."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.cli.bootstrap import load_county, open_database
from bot.clock import VirtualClock
from bot.county import load_county_file
from bot.storage.roster_repo import load_roster
from tests.support.county_files import demo_xlsx, demo_yaml
from tests.support.harness import T0
from tests.support.paths import SHARED

OFFICIAL = "城口县人民政府教育督导室"
EXPLICIT = "城口县教育督导办公室"


async def _roster_office(url: str, path: Path) -> str:
    db = await open_database(url)
    try:
        await load_county(db, path, VirtualClock(T0))
        async with db.reading() as session:
            return (await load_roster(session)).office_name
    finally:
        await db.dispose()


async def test_yaml_without_office_gets_the_default_and_an_explicit_one_is_kept(db_url: str, tmp_path: Path) -> None:
    shipped = demo_yaml(tmp_path)
    assert load_county_file(shipped).office is None
    assert await _roster_office(db_url, shipped) == OFFICIAL
    explicit = demo_yaml(tmp_path, edit={"county: 城口县\n": f"county: 城口县\noffice: {EXPLICIT}\n"}, name="o.yaml")
    assert load_county_file(explicit).office_name == EXPLICIT
    assert await _roster_office(db_url, explicit) == EXPLICIT  # a reload over the first
    assert await _roster_office(db_url, shipped) == OFFICIAL  # and back: leaving it out means the default


def test_the_shared_demo_county_still_loads_with_the_default() -> None:
    shared = SHARED / "data" / "demo-county.yaml"
    if not shared.is_file():
        pytest.skip("../shared is not present on this machine")
    assert load_county_file(shared).office_name == OFFICIAL


def _with_setting(path: Path, key: str, value: object) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book["设置"]
    row = next(r for r in sheet.iter_rows() if r[0].value == key)
    row[1].value = value
    book.save(path)
    return path


async def test_xlsx_office_name_default_and_explicit(sqlite_url: str, tmp_path: Path) -> None:
    template = demo_xlsx(tmp_path)
    assert "督导室名称" in [r[0] for r in openpyxl.load_workbook(template)["设置"].iter_rows(values_only=True)]
    assert load_county_file(template).office_name == OFFICIAL
    explicit = _with_setting(demo_xlsx(tmp_path, name="o.xlsx"), "督导室名称", EXPLICIT)
    assert load_county_file(explicit).office == EXPLICIT
    assert await _roster_office(sqlite_url, explicit) == EXPLICIT

