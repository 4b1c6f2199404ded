"""The county file: schools, people, rooms, policy and calendar, from YAML or an .xlsx workbook.

    data = load_county_file("county.yaml")   # or "county.xlsx"; raises CountyError
    cal = data.work_calendar()
"""
from __future__ import annotations

from pathlib import Path

from bot.county.errors import CountyError, CountyProblem
from bot.county.schema import CountyData
from bot.county.yaml_source import load_county_yaml

DEMO_COUNTY_FILE = Path(__file__).resolve().parent.parent / "data" / "demo-county.yaml"
YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def load_county_xlsx(path: Path) -> CountyData:
    from bot.county.xlsx_source import load_county_xlsx as load  # openpyxl only for a workbook (memory)

    return load(path)


def write_county_xlsx(data: CountyData, path: Path) -> None:
    from bot.county.xlsx_writer import write_county_xlsx as write

    write(data, path)


def load_county_file(path: Path | str) -> CountyData:
    """Load a county from .yaml/.yml or .xlsx; every problem is reported in one CountyError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return load_county_yaml(path)
    if suffix in XLSX_SUFFIXES:
        return load_county_xlsx(path)
    raise CountyError([CountyProblem(path.name, "", "", "file_type", {"suffix": path.suffix})])


__all__ = [
    "DEMO_COUNTY_FILE",
    "CountyData",
    "CountyError",
    "CountyProblem",
    "load_county_file",
    "load_county_xlsx",
    "load_county_yaml",
    "write_county_xlsx",
]
