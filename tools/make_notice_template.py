"""Build the Word template of the 整改通知书 (bot/data/notice-template.docx) with python-docx.

    python tools/make_notice_template.py [OUT]

A docxtpl (Jinja2) document on the monthly 通报's page and styles (tools/make_bulletin_template.py): the office's
name and 整改通知书 as the title, the 文号 line to fill in, the school it is sent to, the problem as a table, its
问题照片 when there are, the requirements (one paragraph each, from templates/documents/notice_requirements.j2), the
office and the date. bot/reports/notice_doc.py renders it with the values of notice_values.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the monthly template's builder, beside this one
from make_bulletin_template import _para, document, signature  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "bot" / "data" / "notice-template.docx"
PROBLEM = [("问题编号", "{{ ref }}"), ("学校", "{{ school }}"), ("问题类别", "{{ category }}"),
           ("严重程度", "{{ severity }}"), ("发现日期", "{{ found_on }}"), ("发现人", "{{ finder }}"),
           ("问题描述", "{{ description }}"), ("整改期限", "{{ deadline }}前")]


def build(out: Path = OUT) -> Path:
    doc = document()
    title = doc.add_paragraph(style="通报标题")
    title.add_run("{{ office }}")
    title.add_run().add_break()
    title.add_run("整改通知书")
    _para(doc, "{{ number }}", "文号")
    _para(doc, "{{ school }}：", "主送")
    _para(doc, "{{ found_on }}，{{ finder }}在督导中发现你校存在下列问题。现将问题通知你校，请按要求限期整改。")

    _para(doc, "一、存在的问题", "一级标题")
    table = doc.add_table(rows=len(PROBLEM), cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, PROBLEM, strict=True):
        for cell, text, width in ((row.cells[0], label, 30), (row.cells[1], value, 126)):
            p = cell.paragraphs[0]
            p.style = doc.styles["表格"]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if cell is row.cells[0] else WD_ALIGN_PARAGRAPH.LEFT
            p.add_run(text).bold = cell is row.cells[0]
            cell.width = Mm(width)
    _para(doc, "{%p if photos %}")
    _para(doc, "问题照片：", "主送")
    _para(doc, "{%p for photo in photos %}")
    _para(doc, "{{ photo }}", "主送")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")

    _para(doc, "二、整改要求", "一级标题")
    _para(doc, "{%p for line in requirements %}")
    _para(doc, "{{ line }}")
    _para(doc, "{%p endfor %}")
    return signature(doc, out)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
