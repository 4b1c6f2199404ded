"""Content cannot break the bot: control characters and formula-looking text in exports, broken text, files
whose names lie, scenario files outside the scenario folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.messages import InboundFile
from bot.reports.ledger_book import HEADERS
from bot.transports.replay import ScenarioError, read_scenario
from tests.support.photos import image_bytes

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU, LIUYANG, LIU = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo"


async def test_the_export_survives_control_characters_and_keeps_formulas_as_text(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手\x07松动\x1b损坏")
    await h.say(SYXX, ZHOU, "#问题 实验小学 =HYPERLINK(\"http://x\",\"点我\")")
    sent = await h.one(OFFICE, LIU, "#导出")
    assert sent.out.files and "抱歉" not in sent.text
    ws = load_workbook(sent.out.files[0]).active
    column = HEADERS.index("问题描述")
    cells = [row[column] for row in ws.iter_rows(min_row=4, values_only=True)]  # under the title and header
    assert "扶手松动损坏" in cells[0]
    # text, not a formula: neutralised with an apostrophe (tests/unit/test_cells.py has the cases)
    assert cells[1] == "'=HYPERLINK(\"http://x\",\"点我\")" and ws.cell(row=5, column=column + 1).data_type == "s"
    record = await h.one(SYXX, ZHOU, "#查询 Q1")
    assert "\x07" in record.text  # the ledger keeps what was written


async def test_broken_text_is_answered_never_a_crash(harness) -> None:
    h = harness
    sent = await h.say(SYXX, ZHOU, "#问题 实验小学 扶手\ud800松动")
    assert len(sent) == 1 and "Q1" in sent[0].text and "出了问题" not in sent[0].text
    assert await h.say(SYXX, ZHOU, "\x00\ud83d") == []


async def test_a_photo_is_stored_under_the_extension_of_its_content(harness) -> None:
    h = harness
    await h.say(SYXX, ZHOU, "#问题 实验小学 扶手松动")
    await h.say(SYXX, LIUYANG, "#整改 Q1 已加固")
    await h.say(SYXX, LIUYANG, files=(InboundFile("x.png\x00.sh", image_bytes("jpg"), "image/png"),))
    stored = [p for p in Path(h.app.settings.evidence_dir).rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].suffix == ".jpg"


@pytest.mark.parametrize("file", ["../outside.png", "/etc/passwd"])
def test_replay_reads_files_only_from_the_scenario_folder(tmp_path: Path, file: str) -> None:
    (tmp_path / "outside.png").write_bytes(b"x")
    folder = tmp_path / "scenario"
    folder.mkdir()
    line = {"at": "2024-03-11T09:30:00+08:00", "room": "r", "from": "x", "type": "image", "file": file}
    (folder / "s.jsonl").write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        read_scenario(folder / "s.jsonl")


def test_replay_splits_lines_on_newlines_only(tmp_path: Path) -> None:
    line = {"at": "2024-03-11T09:30:00+08:00", "room": "r", "from": "x", "text": "第一行\u2028第二行\u0085"}
    (tmp_path / "s.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    [step] = read_scenario(tmp_path / "s.jsonl")
    assert step.inbound.text == "第一行\u2028第二行\u0085"
