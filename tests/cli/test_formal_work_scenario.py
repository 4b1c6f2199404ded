"""The formal-work scenario (tests/scenarios/formal-work.jsonl: a 双减 campaign over two weeks, a 质量监测 workbook,
appeals upheld and rejected, the 专项督导通报 and a month's 通报 issued and corrected, the schools' 综合督导考核)
replayed into a database kept with --db; the documents it issued are read back from there with python-docx —
stored as issued, each with its 文号, never a draft — and the ledger holds what the chat said."""
from __future__ import annotations

import hashlib
import io
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

from docx import Document

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "scenarios" / "formal-work.jsonl"
COUNTY = ROOT / "bot" / "data" / "demo-county.yaml"


def _replayed(tmp_path: Path) -> sqlite3.Connection:
    db = tmp_path / "formal.db"
    result = subprocess.run([*shlex.split(f"{shlex.quote(sys.executable)} -m bot"), "replay", str(SCENARIO),
                             "--county", str(COUNTY), "--db", f"sqlite+aiosqlite:///{db}"],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return sqlite3.connect(db)


def _texts(data: bytes) -> tuple[list[str], str]:
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], doc.sections[0].header.paragraphs[0].text


def test_the_documents_issued_read_back_as_issued(tmp_path: Path) -> None:
    con = _replayed(tmp_path)
    rows = con.execute("SELECT number, kind, label, period_last, issued_on, corrects_id, id, document, sha256 "
                       "FROM bulletins ORDER BY id").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("城督〔2024〕6号", "campaign", "“双减”政策落实专项督导（截至3月15日）", "2024-03-15", "2024-03-18"),
        ("城督〔2024〕7号", "monthly", "2024年3月", "2024-03-31", "2024-04-02"),
        ("城督〔2024〕8号", "monthly", "2024年3月", "2024-03-31", "2024-04-03")]
    assert rows[2][5] == rows[1][6] and rows[0][5] is None  # 8号 corrects 7号
    for row in rows:
        assert hashlib.sha256(row[7]).hexdigest() == row[8]  # the bytes stored are the bytes issued

    campaign, header = _texts(rows[0][7])
    assert campaign[1] == "城督〔2024〕6号" and header == ""  # its 文号, and no 草稿 mark
    assert any("应检查学校（幼儿园）6所，已完成检查3所，完成率50%" in t for t in campaign), campaign
    assert any("发现的2个问题中，已销号1个，已撤销1个，未销号0个" in t for t in campaign), campaign
    assert campaign[-1] == "2024年3月18日"

    monthly, header = _texts(rows[1][7])
    assert monthly[1] == "城督〔2024〕7号" and header == ""
    assert any("新发现问题4个" in t and "已撤销1个" in t for t in monthly), monthly
    corrected, _ = _texts(rows[2][7])
    assert corrected[0].endswith("（更正）") and corrected[1] == "城督〔2024〕8号"
    assert any("本通报是对城督〔2024〕7号的更正" in t and "复兴中学申诉撤销的问题误计入" in t for t in corrected)


def test_the_ledger_holds_sources_campaign_and_appeals(tmp_path: Path) -> None:
    con = _replayed(tmp_path)
    findings = con.execute("SELECT number, status, source, campaign_id IS NOT NULL, appealed_at IS NOT NULL "
                           "FROM findings ORDER BY number").fetchall()
    assert findings == [(1, "closed", "campaign", 1, 0), (2, "withdrawn", "campaign", 1, 0),
                        (3, "open", "monitoring", 0, 0), (4, "open", "monitoring", 0, 0)]
    kinds = [k for (k,) in con.execute("SELECT e.kind FROM finding_events e JOIN findings f ON f.id = e.finding_id "
                                       "WHERE f.number IN (2, 3) ORDER BY e.id")]
    assert kinds.count("appealed") == 2 and kinds.count("appeal_decided") == 2
    results = con.execute("SELECT result, COUNT(*) FROM campaign_results WHERE superseded_at IS NULL "
                          "GROUP BY result ORDER BY result").fetchall()
    assert results == [("fail", 2), ("na", 1), ("pass", 6)]
