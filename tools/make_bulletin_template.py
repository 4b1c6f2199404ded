"""Build the Word template of the monthly 通报 (bot/data/bulletin-template.docx) with python-docx.

    python tools/make_bulletin_template.py [OUT]

The template is a docxtpl (Jinja2) document: `{{ … }}` placeholders, `{%p … %}` paragraphs and `{%tr … %}` table
rows; bot/reports/bulletin_doc.py renders it with the values of bot.reports.bulletin.bulletin_values. An office
may copy it, restyle it or reword it in Word and point BULLETIN_TEMPLATE at its copy. Page and type follow the
usual layout of official documents (GB/T 9704): A4, margins 37/35/28/26 mm, 方正小标宋 title, 仿宋 body at 三号
with 28 pt lines, 黑体 first-level headings, 楷体 second-level ones.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from bot.private_names import available, check

OUT = Path(__file__).resolve().parents[1] / "bot" / "data" / "bulletin-template.docx"
BODY, TITLE, HEADING, SUB = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"


def _font(target, east_asian: str, size: float, *, bold: bool = False, colour: RGBColor | None = None) -> None:  # noqa: ANN001
    """Set a style's or a run's font, the East Asian one included (python-docx sets only the Latin ones)."""
    target.font.name = east_asian
    target.font.size = Pt(size)
    target.font.bold = bold
    if colour is not None:
        target.font.color.rgb = colour
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _style(doc, name: str, east_asian: str, size: float, *, align=None, indent: bool = True,  # noqa: ANN001
           bold: bool = False, before: float = 0, after: float = 0):  # noqa: ANN202
    style = doc.styles[name] if name in [s.name for s in doc.styles] else doc.styles.add_style(name, 1)
    style.base_style = doc.styles["Normal"] if name != "Normal" else None
    _font(style, east_asian, size, bold=bold)
    fmt = style.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.first_line_indent = Pt(size * 2) if indent else Pt(0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if align is not None:
        fmt.alignment = align
    return style


def _para(doc, text: str, style: str = "Normal"):  # noqa: ANN001, ANN202
    """One paragraph in one run: a docxtpl tag split over runs would not be read as one."""
    p = doc.add_paragraph(style=style)
    p.add_run(text)
    return p


def _table(doc, headers: list[str], loop: str, cells: list[str], total: list[str] | None = None,  # noqa: ANN001
           widths: list[float] | None = None) -> None:
    """A bordered table: a header row, `{%tr for … %}` / one row of cells / `{%tr endfor %}`, and a total row."""
    rows = [headers, [f"{{%tr for {loop} %}}"], cells, ["{%tr endfor %}"], *([total] if total else [])]
    table = doc.add_table(rows=len(rows), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate(rows):
        row = table.rows[r]
        if len(values) == 1:  # a loop tag: one merged cell, the row is replaced when rendered
            row.cells[0].merge(row.cells[-1])
        for c, value in enumerate(values):
            p = row.cells[c].paragraphs[0]
            p.style = doc.styles["表格"]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(value)
            run.bold = r == 0 or (total is not None and r == len(rows) - 1)
    if available("docx-row"):  # python-docx has no API for it: a private name (bot/private_names.py)
        header = table.rows[0]._tr.get_or_add_trPr()  # the header row repeats on every page
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header.append(repeat)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Mm(width)


def document():  # noqa: ANN201 — a python-docx Document
    """An A4 document with the official layout and the styles the 通报 templates use (the 专项督导 one too:
    tools/make_campaign_template.py)."""
    check("docx-row")
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    _style(doc, "Normal", BODY, 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, "通报标题", TITLE, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=12)
    _style(doc, "文号", BODY, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=12)
    _style(doc, "主送", BODY, 16, indent=False)
    _style(doc, "一级标题", HEADING, 16)
    _style(doc, "二级标题", SUB, 16)
    _style(doc, "表题", HEADING, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=6)
    _style(doc, "表格", BODY, 12, indent=False)
    _style(doc, "落款", BODY, 16, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _style(doc, "草稿标记", HEADING, 16, indent=False)
    doc.styles["表格"].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return doc


def draft_mark(doc) -> None:  # noqa: ANN001
    """{{ draft_mark }} in the page header: 草稿 on every page of a draft; nothing once issued."""
    mark = doc.sections[0].header.paragraphs[0]
    mark.style = doc.styles["草稿标记"]
    mark.add_run("{{ draft_mark }}")


def heading(doc, lead: str, number: str = "〔{{ issue_year }}〕　　号", correction: bool = False) -> None:  # noqa: ANN001
    """The title ({{ office }} and {{ title }}), the 文号 line (`number`: a blank to fill in, or the issued one's
    `{{ number }}`) and whom it is sent to, the correction's paragraph (`correction`), then the lead paragraph."""
    title = doc.add_paragraph(style="通报标题")
    title.add_run("{{ office }}")
    title.add_run().add_break()
    title.add_run("{{ title }}")
    _para(doc, number, "文号")
    _para(doc, "各责任区、各学校（幼儿园）：", "主送")
    if correction:
        _para(doc, "{%p if correction %}")
        _para(doc, "本通报是对{{ correction.number }}的更正，原通报同时停止使用。"
                   "{% if correction.reason %}更正原因：{{ correction.reason }}。{% endif %}")
        _para(doc, "{%p endif %}")
    _para(doc, lead)


def signature(doc, out: Path) -> Path:  # noqa: ANN001
    """The office and the date at the foot, and the file saved."""
    doc.add_paragraph()
    _para(doc, "{{ office }}", "落款")
    _para(doc, "{{ issue_date }}", "落款")
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    return out


def build(out: Path = OUT) -> Path:
    doc = document()
    draft_mark(doc)
    # a draft: 〔2024〕　　号, to be filled in; issued: its 文号 (bot/reports/issued.py)
    heading(doc, "现将{{ year }}年{{ month }}月全县责任督学挂牌督导工作情况通报如下。", number="{{ number }}",
            correction=True)

    _para(doc, "一、总体情况", "一级标题")
    _para(doc, "{{ year }}年{{ month }}月，{% if totals.visits %}各责任督学履行经常性督导职责，共到校督导"
               "{{ totals.visits }}次，{% else %}本月没有到校督导记录，{% endif %}新发现问题{{ totals.new }}个。"
               "截至{{ as_of }}，本月新发现问题中已销号{{ totals.closed }}个（其中按期整改{{ totals.on_time }}个）"
               "{% if totals.withdrawn %}，已撤销{{ totals.withdrawn }}个{% endif %}，未销号{{ totals.open }}个。"
               "全县累计未销号问题{{ totals.active }}个（含往月），其中整改逾期{{ totals.rectify_overdue }}个"
               "{% if totals.red %}（红色督办{{ totals.red }}个）{% endif %}，验收超期{{ totals.verify_late }}个。"
               "{% if totals.rate is not none %}本月整改率{{ totals.rate }}%{% if totals.on_time_rate is not none %}，"
               "按期整改率{{ totals.on_time_rate }}%{% endif %}。{% endif %}")
    _para(doc, "{%p for r in reports %}")
    _para(doc, "{{ r.kind }}报送情况：应报{{ r.total }}份，已报{{ r.submitted }}份"
               "{% if r.over and r.submitted %}，其中按时{{ r.on_time }}份"
               "{% if r.late %}、逾期报送{{ r.late }}份{% endif %}{% endif %}"
               "{% if r.missing.names %}，未报：{{ r.missing.names|join('、') }}"
               "{% if r.missing.more %}等{{ r.missing_count }}份{% endif %}{% endif %}"
               "{% if r.excused %}（{{ r.excused|join('、') }}请假，不计）{% endif %}。")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if idle.names %}")
    _para(doc, "本月无到校督导记录的责任督学：{{ idle.names|join('、') }}"
               "{% if idle.more %}等{{ idle.names|length + idle.more }}人{% endif %}。")
    _para(doc, "{%p endif %}")

    _para(doc, "二、问题分布", "一级标题")
    _para(doc, "（一）各责任区情况", "二级标题")
    _para(doc, "本月各责任区到校督导和发现、整改问题情况见表1。")
    _para(doc, "表1　各责任区督导情况（截至{{ as_of }}）", "表题")
    _table(doc, ["责任区", "到校次数", "新发现", "已销号", "已撤销", "未销号", "整改率", "累计整改逾期", "验收超期"],
           "d in districts",
           ["{{ d.name }}", "{{ d.visits }}", "{{ d.new }}", "{{ d.closed }}", "{{ d.withdrawn }}", "{{ d.open }}",
            "{% if d.rate is not none %}{{ d.rate }}%{% else %}—{% endif %}", "{{ d.rectify_overdue }}",
            "{{ d.verify_late }}"],
           ["合计", "{{ totals.visits }}", "{{ totals.new }}", "{{ totals.closed }}", "{{ totals.withdrawn }}",
            "{{ totals.open }}", "{% if totals.rate is not none %}{{ totals.rate }}%{% else %}—{% endif %}",
            "{{ totals.rectify_overdue }}", "{{ totals.verify_late }}"],
           widths=[30, 15, 15, 15, 15, 15, 15, 18, 15])
    _para(doc, "注：新发现＝已销号＋已撤销＋未销号（本月登记的问题，按月末状态）；"
               "累计整改逾期、验收超期含往月登记的问题。{{ notes|join('；') }}。")
    _para(doc, "{%p if more_districts %}")
    _para(doc, "（表1列出整改逾期问题较多的{{ districts|length }}个责任区，"
               "其余{{ more_districts }}个责任区详见整改台账。）")
    _para(doc, "{%p endif %}")
    _para(doc, "（二）问题类别", "二级标题")
    _para(doc, "{%p if categories %}")
    _para(doc, "{% if concentrated %}本月新发现的问题主要集中在{% for c in concentrated %}"
               "{{ c.name }}（{{ c.count }}个）{% if not loop.last %}、{% endif %}{% endfor %}，{% endif %}分布见表2。")
    _para(doc, "表2　本月新发现问题类别分布（不含已撤销）", "表题")
    _table(doc, ["问题类别", "问题数", "占比"], "c in categories",
           ["{{ c.name }}", "{{ c.count }}", "{{ (100 * c.count / category_total)|round|int }}%"],
           ["合计", "{{ category_total }}", "100%"], widths=[60, 40, 40])
    _para(doc, "{%p if sources %}")
    _para(doc, "从问题来源看，本月新发现的问题（不含已撤销）中，{% for s in sources %}{{ s.name }}{{ s.count }}个"
               "{% if not loop.last %}、{% endif %}{% endfor %}。")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p else %}")
    _para(doc, "本月未发现新问题。")
    _para(doc, "{%p endif %}")

    _para(doc, "三、整改逾期问题", "一级标题")
    _para(doc, "{%p if overdue %}")
    _para(doc, "截至{{ as_of }}，全县已过整改期限、学校尚未报告整改的问题{{ totals.rectify_overdue }}个"
               "{% if not overdue_more %}，涉及{{ overdue|map(attribute='school')|unique|list|length }}所学校"
               "{% endif %}，详见表3。请相关学校立即整改到位，责任督学跟踪督办。")
    _para(doc, "表3　整改逾期问题", "表题")
    _table(doc, ["序号", "编号", "学校", "责任区", "问题", "逾期天数"], "f in overdue",
           ["{{ loop.index }}", "{{ f.ref }}", "{{ f.school }}", "{{ f.district }}", "{{ f.description }}",
            "{{ f.days }}"], widths=[12, 16, 36, 24, 50, 18])
    _para(doc, "{%p if overdue_more %}")
    _para(doc, "表3列出逾期时间最长的{{ overdue|length }}个问题，另有{{ overdue_more }}个整改逾期问题，详见整改台账。")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p else %}")
    _para(doc, "截至{{ as_of }}，全县无整改逾期问题。")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if verify_late %}")
    _para(doc, "以下问题学校已报告整改，超过{{ verify_days }}个工作日仍未验收（验收超期），请责任督学尽快验收，见表4。")
    _para(doc, "表4　验收超期问题", "表题")
    _table(doc, ["序号", "编号", "学校", "责任区", "报告整改日期", "责任督学"], "f in verify_late",
           ["{{ loop.index }}", "{{ f.ref }}", "{{ f.school }}", "{{ f.district }}", "{{ f.reported_text }}",
            "{{ f.supervisor }}"], widths=[12, 16, 40, 24, 30, 24])
    _para(doc, "{%p endif %}")

    _para(doc, "四、下步工作要求", "一级标题")
    _para(doc, "（一）各学校（幼儿园）要对照问题清单逐项整改，按期报告整改情况，逾期问题要限时整改到位。")
    _para(doc, "（二）各责任督学要加强跟踪督办，及时验收销号，按时报送月报，做到每月到校督导全覆盖。")
    _para(doc, "（三）各责任区负责人要统筹做好责任区汇总，督促按期完成各项督导任务。")

    return signature(doc, out)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
