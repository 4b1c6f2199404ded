"""`dudao export ledger|bulletin|assessment|school-assessment --month … OUT`, run as the operator would: the files written and read
back, a directory as OUT, a bad month (exit 2, in Chinese), no county, an unusable 通报 template (exit 1)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.cli.test_cli import dudao
from tests.support.harness import Harness
from tests.support.paths import DEMO_COUNTY


async def _seed(url: str, tmp: Path) -> None:
    h = await Harness.create(url, tmp, DEMO_COUNTY)
    try:
        await h.say("room-syxx@chatroom", "wxid_zhouyonghong", "#问题 实验小学 安全稳定 楼梯扶手松动 限期3天")
        await h.say("room-syxx@chatroom", "wxid_zhouyonghong", "#到校 实验小学 检查食堂")
        await h.say("room-fxzx@chatroom", "wxid_chenjing", "#问题 复兴中学 食品卫生 留样记录不全 限期3天",
                    at="2024-04-02T10:00:00+08:00")
    finally:
        await h.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("export")
    url = f"sqlite+aiosqlite:///{tmp}/dudao.db"
    asyncio.run(_seed(url, tmp))
    return tmp, url


def test_export_ledger_all_and_one_month(seeded: tuple[Path, str], tmp_path: Path) -> None:
    _, url = seeded
    every = dudao("export", "ledger", "--db", url, str(tmp_path), cwd=tmp_path)
    assert every.returncode == 0, every.stderr
    path = tmp_path / "整改台账.xlsx"
    assert "已写出整改台账" in every.stdout and str(path) in every.stdout and "2 条问题" in every.stdout
    assert "正在写出整改台账" in every.stderr  # the progress bar
    rows = list(load_workbook(path)["整改台账"].iter_rows(values_only=True))
    assert len(rows) == 5 and rows[0][0] == "城口县整改台账" and rows[1][0].startswith("全部问题")
    march = dudao("export", "ledger", "--month", "2024-03", "--db", url, str(tmp_path / "sub" / "march.xlsx"),
                  cwd=tmp_path)
    assert march.returncode == 0, march.stderr
    rows = list(load_workbook(tmp_path / "sub" / "march.xlsx")["整改台账"].iter_rows(values_only=True))
    assert [r[1] for r in rows[3:]] == ["Q1"] and "2024年3月整改台账" in march.stdout
    assert rows[1][0].startswith("2024年3月发现的问题")


def test_export_bulletin_writes_the_word_document(seeded: tuple[Path, str], tmp_path: Path) -> None:
    _, url = seeded
    out = tmp_path / "通报.docx"
    result = dudao("export", "bulletin", "--month", "2024-03", "--db", url, str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已写出2024年3月督导通报" in result.stdout
    doc = Document(str(out))
    assert doc.paragraphs[0].text.endswith("关于2024年3月责任督学挂牌督导工作情况的通报")
    assert [[c.text for c in r.cells] for r in doc.tables[0].rows][1][:3] == ["第一责任区", "1", "1"]


def test_export_assessment_for_a_month_and_a_year(seeded: tuple[Path, str], tmp_path: Path) -> None:
    _, url = seeded
    month = dudao("export", "assessment", "--month", "2024年3月", "--db", url, str(tmp_path), cwd=tmp_path)
    assert month.returncode == 0, month.stderr
    rows = list(load_workbook(tmp_path / "责任督学考核-2024-03.xlsx")["考核"].iter_rows(values_only=True))
    zhou = next(r for r in rows if r[2] == "周永红")
    assert (zhou[3], zhou[4], zhou[6], zhou[9]) == (3, 1, 1, 1) and "6 名督学" in month.stdout
    year = dudao("export", "assessment", "--period", "2024", "--db", url, str(tmp_path), cwd=tmp_path)
    assert year.returncode == 0 and (tmp_path / "责任督学考核-2024.xlsx").exists()


def test_export_school_assessment_for_a_month(seeded: tuple[Path, str], tmp_path: Path) -> None:
    _, url = seeded
    month = dudao("export", "school-assessment", "--period", "2024-03", "--db", url, str(tmp_path), cwd=tmp_path)
    assert month.returncode == 0, month.stderr
    assert "已写出2024年3月学校综合督导考核表" in month.stdout and "16 所学校" in month.stdout
    book = load_workbook(tmp_path / "学校综合督导考核-2024-03.xlsx")
    rows = list(book["全县排名"].iter_rows(values_only=True))
    head, table = rows[2], [dict(zip(rows[2], r, strict=True)) for r in rows[3:]]
    assert head[:4] == ("序号", "责任区", "学校", "综合得分") and len(table) == 16
    syxx = table[-1]  # Q1 overdue at March's end, no 自查: 0·.4 + 0·.2 + 80·.2 + 0·.2
    assert (syxx["学校"], syxx["综合得分"], syxx["全县排名"], syxx["整改逾期"]) == ("城口县实验小学", 16.0, 16, 1)
    assert book.sheetnames[-1] == "说明"


@pytest.mark.parametrize("kind,month,says", [
    ("school-assessment", "2024-13", "没能看懂“2024-13”"),
    ("bulletin", "2024-13", "没能看懂“2024-13”"),
    ("assessment", "三月份", "没能看懂“三月份”"),
    ("ledger", "2099-01", "还没有开始"),
    ("bulletin", "2024", "通报按月生成"),
])
def test_a_bad_month_is_exit_2_in_chinese(seeded: tuple[Path, str], tmp_path: Path, kind: str, month: str,
                                          says: str) -> None:
    _, url = seeded
    result = dudao("export", kind, "--month", month, "--db", url, str(tmp_path / "x.out"), cwd=tmp_path)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.out").exists()


def test_no_county_and_an_unusable_template_are_said_politely(seeded: tuple[Path, str], tmp_path: Path) -> None:
    _, url = seeded
    empty = dudao("export", "assessment", "--db", f"sqlite+aiosqlite:///{tmp_path}/empty.db", str(tmp_path),
                  cwd=tmp_path)
    assert empty.returncode == 1 and "还没有县名册" in empty.stderr
    bad = tmp_path / "bad.docx"
    bad.write_text("not a document", encoding="utf-8")
    result = dudao("export", "bulletin", "--db", url, str(tmp_path), cwd=tmp_path,
                   env={"BULLETIN_TEMPLATE": str(bad)})
    assert result.returncode == 1 and "不是可用的 Word 文档" in result.stderr and "Traceback" not in result.stderr


async def _issue(url: str, tmp: Path) -> bytes:
    from datetime import datetime

    from sqlalchemy import select

    from bot.storage import models as m

    h = await Harness.create(url, tmp, None, start=datetime.fromisoformat("2024-04-03T10:00:00+08:00"))
    try:
        await h.say("room-office@chatroom", "wxid_liujianguo", "#印发通报 2024年3月 城督〔2024〕3号")
        async with h.app.db.reading() as s:
            return await s.scalar(select(m.Bulletin.document))
    finally:
        await h.close()


def test_export_an_issued_bulletin_writes_the_stored_bytes(seeded: tuple[Path, str], tmp_path: Path) -> None:
    import shutil

    source, _ = seeded
    shutil.copyfile(source / "dudao.db", tmp_path / "own.db")
    url = f"sqlite+aiosqlite:///{tmp_path}/own.db"
    stored = asyncio.run(_issue(url, tmp_path))
    result = dudao("export", "bulletin", "--issued", "城督[2024]3号", "--db", url, str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "城督〔2024〕3号城口县2024年3月督导通报.docx"
    assert path.read_bytes() == stored and "2024年4月3日印发" in result.stdout and str(path) in result.stdout
    unknown = dudao("export", "bulletin", "--issued", "城督〔2024〕9号", "--db", url, str(tmp_path / "x.docx"),
                    cwd=tmp_path)
    assert unknown.returncode == 1 and "没有找到文号为“城督〔2024〕9号”的已印发通报" in unknown.stderr
    both = dudao("export", "bulletin", "--issued", "城督〔2024〕3号", "--month", "2024-03", "--db", url,
                 str(tmp_path / "y.docx"), cwd=tmp_path)
    assert both.returncode == 2 and "不能同时指定 --month" in both.stderr
    assert not (tmp_path / "x.docx").exists() and not (tmp_path / "y.docx").exists()
