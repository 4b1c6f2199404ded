"""Build the Word template of the 专项督导通报 (bot/data/campaign-template.docx) with python-docx.

    python tools/make_campaign_template.py [OUT]

A docxtpl (Jinja2) document like the monthly 通报's (tools/make_bulletin_template.py, whose page, styles, title
and signature it shares): bot/reports/campaign_doc.py renders it with the values of campaign_doc_values —
coverage by district, the findings by item and by school, their rectification as of a day. An office may copy it,
restyle or reword it in Word and point CAMPAIGN_TEMPLATE at its copy.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the monthly template's builder, beside this one
from make_bulletin_template import _para, _table, document, draft_mark, heading, signature  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "bot" / "data" / "campaign-template.docx"


def build(out: Path = OUT) -> Path:
    doc = document()
    draft_mark(doc)
    # a draft: 〔2024〕　　号 and 草稿 in the header; issued: its 文号 and a correction (bot/reports/issued.py)
    heading(doc, "{{ starts }}至{{ ends }}，我室组织开展了{{ name }}。现将截至{{ as_of }}的检查和整改情况通报如下。",
            number="{{ number }}", correction=True)

    _para(doc, "一、检查覆盖情况", "一级标题")
    _para(doc, "本次专项督导应检查学校（幼儿园）{{ due }}所，已完成检查{{ done }}所"
               "{% if rate is not none %}，完成率{{ rate }}%{% endif %}，各责任区情况见表1。")
    _para(doc, "表1　各责任区检查完成情况（截至{{ as_of }}）", "表题")
    _table(doc, ["责任区", "应查", "已完成", "不符合项", "未完成学校"], "d in districts",
           ["{{ d.name }}", "{{ d.due }}", "{{ d.done }}", "{{ d.failed }}", "{{ d.missing|join('、') }}"],
           ["合计", "{{ due }}", "{{ done }}", "{{ totals.new }}", ""], widths=[30, 16, 16, 20, 80])

    _para(doc, "二、发现的问题", "一级标题")
    _para(doc, "{%p if schools %}")
    _para(doc, "检查中发现不符合要求的问题{{ totals.new }}个，均已登记为问题、限期整改。"
               "按检查项统计见表2，按学校统计见表3。")
    _para(doc, "表2　各检查项检查结果", "表题")
    _table(doc, ["序号", "检查项", "符合", "不符合", "不适用", "已销号", "未销号", "整改逾期"], "i in items",
           ["{{ i.number }}", "{{ i.title }}", "{{ i.passed }}", "{{ i.failed }}", "{{ i.na }}", "{{ i.closed }}",
            "{{ i.open }}", "{{ i.overdue }}"], widths=[12, 50, 14, 14, 14, 16, 16, 18])
    _para(doc, "表3　存在不符合项的学校", "表题")
    _table(doc, ["序号", "学校", "责任区", "不符合项", "问题编号", "已销号", "未销号"], "s in schools",
           ["{{ loop.index }}", "{{ s.school }}", "{{ s.district }}", "{{ s.failing }}", "{{ s.refs }}",
            "{{ s.closed }}", "{{ s.open }}"], widths=[12, 36, 22, 50, 24, 14, 14])
    _para(doc, "{%p else %}")
    _para(doc, "截至{{ as_of }}，已检查的学校均未发现不符合要求的问题。")
    _para(doc, "{%p endif %}")

    _para(doc, "三、整改情况", "一级标题")
    _para(doc, "截至{{ as_of }}，本次专项督导发现的{{ totals.new }}个问题中，已销号{{ totals.closed }}个"
               "{% if totals.withdrawn %}，已撤销{{ totals.withdrawn }}个{% endif %}，未销号{{ totals.open }}个"
               "{% if totals.rectify_overdue %}，其中整改逾期{{ totals.rectify_overdue }}个{% endif %}"
               "{% if totals.rate is not none %}，整改率{{ totals.rate }}%{% endif %}。")
    _para(doc, "注：{{ notes }}。")

    _para(doc, "四、工作要求", "一级标题")
    _para(doc, "（一）存在不符合项的学校（幼儿园）要逐项整改，按期报告整改情况。")
    _para(doc, "（二）各责任督学要跟踪督办，及时验收销号；尚未完成检查的要尽快完成。")
    return signature(doc, out)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
