"""County files for reload tests: the demo county with a section cut out, or as a workbook with sheets removed."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from bot.county import DEMO_COUNTY_FILE, load_county_file, write_county_xlsx


def demo_yaml(tmp: Path, *, drop: str | None = None, empty: str | None = None, edit: dict[str, str] | None = None,
              name: str = "county.yaml") -> Path:
    """The demo county YAML, without the top-level key `drop`, with `empty: []`, and with text replaced."""
    text = DEMO_COUNTY_FILE.read_text(encoding="utf-8")
    for key in filter(None, (drop, empty)):
        text = re.sub(rf"^{key}:\n(?:[ #].*\n)*", "" if key == drop else f"{key}: []\n", text, flags=re.M)
    for old, new in (edit or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def demo_xlsx(tmp: Path, *, drop: tuple[str, ...] = (), name: str = "county.xlsx") -> Path:
    """The demo county as a workbook (as `dudao county template` writes it), without the sheets in `drop`."""
    path = tmp / name
    write_county_xlsx(load_county_file(DEMO_COUNTY_FILE), path)
    book = openpyxl.load_workbook(path)
    for title in drop:
        del book[title]
    book.save(path)
    return path


# Two 专项督导 campaigns (the demo county has none): 双减 over every school, 办园行为 with checkers of its own
CAMPAIGNS = """
campaigns:
  - name: “双减”政策落实专项督导
    kind: 双减
    starts: 2024-03-01
    ends: 2024-03-31
    scope: 全部
    items: [作业总量控制, 课后服务开展, 校外培训治理]
  - name: 幼儿园办园行为专项督导
    kind: 办园行为
    starts: 2024-04-01
    ends: 2024-04-20
    scope: [第一责任区, 复兴中学]
    items: 保教结合；去小学化
    checkers: [p-li, p-liu]
"""


def with_campaigns(tmp_path: Path, extra: str = CAMPAIGNS) -> Path:
    """The demo county with `extra` (by default two 专项督导 campaigns) added at its end."""
    path = tmp_path / "county.yaml"
    path.write_text(DEMO_COUNTY_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path
