"""The 整改通知书's Word template: the shipped one is what tools/make_notice_template.py builds, and every placeholder
in it is one notice_values gives (the whole rendering is read back in tests/web/test_desk_notice.py)."""
from __future__ import annotations

import runpy
from pathlib import Path

from docx import Document

from bot.reports.notice_doc import DEFAULT_TEMPLATE


def _texts(path: Path) -> tuple[list[str], list[str]]:
    doc = Document(str(path))
    return [p.text for p in doc.paragraphs], [c.text for t in doc.tables for row in t.rows for c in row.cells]


def test_the_shipped_template_is_what_the_tool_builds(tmp_path: Path) -> None:
    built = runpy.run_path(str(Path(__file__).parents[2] / "tools" / "make_notice_template.py"))["build"](
        tmp_path / "t.docx")
    assert _texts(built) == _texts(DEFAULT_TEMPLATE)
    paragraphs, cells = _texts(DEFAULT_TEMPLATE)
    assert paragraphs[:3] == ["{{ office }}\n整改通知书", "{{ number }}", "{{ school }}："]
    assert "{{ description }}" in cells and "{{ deadline }}前" in cells
