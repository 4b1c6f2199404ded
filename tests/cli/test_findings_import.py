"""Findings from a workbook (`dudao findings import`, bot/ledger/bulk.py): every row checked as a typed #问题 would
be, all loaded or none, each bad row named with its column and why, the principals told through the outbox, the
same file loaded once; the real command line on a fresh database too."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.cli.desk_actions import CliError
from bot.cli.export_actions import BadInput
from bot.cli.import_actions import import_findings, write_template
from bot.settings import Settings
from bot.storage import models as m
from tests.cli.test_cli import dudao

OFFICE, CKZX, FXZX, D3 = "room-office@chatroom", "room-ckzx@chatroom", "room-fxzx@chatroom", "room-d3@chatroom"
LIU = "wxid_liujianguo"
HEADER = ("学校", "问题描述", "类别", "严重程度", "整改期限", "来源", "发现人")


def _book(path: Path, rows: list[tuple], *, header: tuple = HEADER, title: str | None = "2024年市级督查反馈问题清单"
          ) -> Path:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def _settings(h) -> Settings:  # noqa: ANN001 — a Harness
    return Settings(database_url=h.app.db.url, evidence_dir=Path("/nonexistent"), _env_file=None)


async def _count(h, model: type) -> int:  # noqa: ANN001
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_a_feedback_list_is_loaded_and_each_principal_told(harness, tmp_path: Path) -> None:
    h = harness
    path = _book(tmp_path / "feedback.xlsx", [
        ("城口中学", "学生近视率偏高，课间活动时间不足", "", "", "限期30天", "质量监测", ""),
        ("复兴中学", "食堂留样记录不全", "食品卫生", "较重", date(2024, 3, 20), "", "p-chen"),
        ("城口中学", "\u200b=HYPERLINK(\"http://evil.example\",\"点我\")", "", "一般", "", "", ""),  # text, not a formula
        (None, None, None, None, None, None, None),  # an empty row is no row
    ])
    said = await import_findings(_settings(h), path, "p-liu", "市级督查", now=h.clock.now())
    assert "已导入 3 条问题（Q1—Q3），涉及 2 所学校" in said
    async with h.app.db.reading() as s:
        findings = list(await s.scalars(select(m.Finding).order_by(m.Finding.number)))
        created = list(await s.scalars(select(m.FindingEvent).order_by(m.FindingEvent.id)))
    assert [(f.source, f.severity, f.due_date) for f in findings] == [
        ("monitoring", "一般", date(2024, 4, 10)), ("city", "较重", date(2024, 3, 20)), ("city", "一般", date(2024, 3, 25))]  # the policy: 10 working days
    assert findings[1].category == "食品卫生" and findings[0].finder_id != findings[1].finder_id
    assert findings[2].description == "=HYPERLINK(\"http://evil.example\",\"点我\")"  # the zero-width space gone
    assert [e.data["loaded"] for e in created] == ["feedback.xlsx 第3行", "feedback.xlsx 第4行", "feedback.xlsx 第5行"]
    await h.idle()
    by_room = {s.out.room: s for s in h.transport.sent}
    assert set(by_room) == {CKZX, FXZX}
    assert "Q1 学生近视率偏高" in by_room[CKZX].text and "来源：质量监测反馈" in by_room[CKZX].text
    assert "Q3" in by_room[CKZX].text and by_room[CKZX].out.mentions == ("wxid_wangfang",)
    assert "Q2 食堂留样记录不全" in by_room[FXZX].text and "3月20日前" in by_room[FXZX].text
    shown = await h.one(OFFICE, LIU, "#查询 Q2")
    assert "来源：市级督查" in shown.text and "陈静" in shown.text


async def test_a_bad_row_loads_nothing_and_every_bad_row_is_named(harness, tmp_path: Path) -> None:
    h = harness
    path = _book(tmp_path / "bad.xlsx", [
        ("城口中学", "扶手松动", "", "", "限期3天", "", ""),  # good
        ("不存在的学校", "围墙破损", "", "", "", "", ""),
        ("城口", "操场积水", "", "", "", "", ""),  # a fragment of several schools
        ("复兴中学", "", "", "", "", "", ""),
        ("复兴中学", "校车超载", "交通", "很严重", "3月1日前", "路人", "p-wangf"),
        ("复兴中学", "消防栓损坏", "", "", "看着办", "", "p-li"),  # p-li supervises other schools
    ])
    with pytest.raises(BadInput) as refused:
        await import_findings(_settings(h), path, "p-liu", "市级督查", now=h.clock.now())
    said = str(refused.value)
    assert "有 10 处问题，没有导入任何一条" in said
    for line in ("第4行“学校”：没有找到学校“不存在的学校”", "第5行“学校”：“城口”对应多所学校", "第6行“问题描述”：不能为空",
                 "第7行“类别”：没有“交通”这个类别", "第7行“严重程度”：“很严重”不是严重程度",
                 "第7行“整改期限”：日期“3月1日前”已经过去了", "第7行“来源”：没有“路人”这种来源",
                 "第7行“发现人”：王芳不能为城口县复兴中学登记问题", "第8行“整改期限”：看不懂期限“看着办”",
                 "第8行“发现人”：李明不能为城口县复兴中学登记问题"):
        assert line in said, line
    assert "第3行" not in said
    assert await _count(h, m.Finding) == 0 and await _count(h, m.OutboxMessage) == 0


async def test_without_a_source_or_a_finder_the_operator_is_asked_for_them(harness, tmp_path: Path) -> None:
    h = harness
    path = _book(tmp_path / "plain.xlsx", [("城口中学", "扶手松动")], header=("学校名称", "存在问题"), title=None)
    with pytest.raises(BadInput) as refused:
        await import_findings(_settings(h), path, None, None, now=h.clock.now())
    assert "第2行“来源”：没有写来源" in str(refused.value) and "--source" in str(refused.value)
    assert "第2行“发现人”：没有写发现人" in str(refused.value) and "--by" in str(refused.value)
    with pytest.raises(BadInput, match="没有“路人”这种来源"):
        await import_findings(_settings(h), path, "p-liu", "路人", now=h.clock.now())
    assert await _count(h, m.Finding) == 0


async def test_the_same_file_is_loaded_once(harness, tmp_path: Path) -> None:
    h = harness
    path = _book(tmp_path / "once.xlsx", [("城口中学", "扶手松动", "", "", "", "投诉", "")])
    await import_findings(_settings(h), path, "p-liu", None, now=h.clock.now())
    with pytest.raises(CliError, match="已于 2024-03-11 09:00 导入过"):
        await import_findings(_settings(h), path, "p-liu", None, now=h.clock.now())
    assert await _count(h, m.Finding) == 1


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: p.write_bytes(b"not a workbook") and p, "不是能读取的 Excel 工作簿"),
    (lambda p: _book(p, [("城口中学", "扶手松动")], header=("序号", "内容")), "没有找到表头"),
    (lambda p: _book(p, []), "表头下面没有任何问题"),
])
async def test_a_file_that_is_no_feedback_list_says_why(harness, tmp_path: Path, make, said: str) -> None:  # noqa: ANN001
    with pytest.raises(BadInput, match=said):
        await import_findings(_settings(harness), make(tmp_path / "x.xlsx"), "p-liu", "投诉", now=harness.clock.now())
    assert await _count(harness, m.Finding) == 0


def test_the_command_line_writes_a_template_and_loads_it(tmp_path: Path, sqlite_county_template: Path) -> None:
    import shutil

    shutil.copyfile(sqlite_county_template, tmp_path / "county.db")
    db = f"sqlite+aiosqlite:///{tmp_path}/county.db"
    written = dudao("findings", "template", str(tmp_path), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    template = tmp_path / "问题导入模板.xlsx"
    rows = list(load_workbook(template).active.iter_rows(values_only=True))
    assert rows[0] == HEADER
    loaded = dudao("findings", "import", str(template), "--by", "p-liu", "--db", db, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "已导入 1 条问题（Q1），涉及 1 所学校" in loaded.stdout
    again = dudao("findings", "import", str(template), "--by", "p-liu", "--db", db, cwd=tmp_path)
    assert again.returncode == 1 and "导入过" in again.stderr
    bad = _book(tmp_path / "bad.xlsx", [("不存在的学校", "扶手松动", "", "", "", "投诉", "")])
    refused = dudao("findings", "import", str(bad), "--by", "p-liu", "--db", db, cwd=tmp_path)
    assert refused.returncode == 2 and "第3行“学校”：没有找到学校“不存在的学校”" in refused.stderr
    assert "Traceback" not in refused.stderr + again.stderr


def test_the_template_is_words_not_formulas(tmp_path: Path) -> None:
    write_template(tmp_path / "t.xlsx")
    cells = [c for row in load_workbook(tmp_path / "t.xlsx").active.iter_rows() for c in row]
    assert cells and all(c.data_type != "f" for c in cells)
