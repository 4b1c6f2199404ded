"""`dudao replay --db URL` keeps the photos with the database it keeps (beside a SQLite file, or in EVIDENCE_DIR),
and `dudao doctor` counts the photo rows whose files are gone. Run as the operator runs them, in a subprocess."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.settings import Settings

DUDAO = [*shlex.split(f"{shlex.quote(sys.executable)} -m bot")]
COUNTY = Path(__file__).resolve().parents[2] / "bot" / "data" / "demo-county.yaml"
PHOTO = Path(__file__).resolve().parents[1] / "scenarios" / "evidence-1.png"
SYXX, ZHOU, LIUYANG = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"


def _scenario(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(PHOTO, folder / "problem.png")
    (folder / "fixed.png").write_bytes(PHOTO.read_bytes() + b"\0")  # another file (PNG readers ignore the tail)
    lines = [dict(at="2024-03-11T09:30:00+08:00", room=SYXX, id="m1", text="#问题 实验小学 安全稳定 扶手松动"),
             dict(at="2024-03-11T09:30:30+08:00", room=SYXX, id="m2", type="image", file="problem.png"),
             dict(at="2024-03-11T10:00:00+08:00", room=SYXX, id="m3", text="#整改 Q1 已加固扶手"),
             dict(at="2024-03-11T10:00:20+08:00", room=SYXX, id="m4", type="image", file="fixed.png")]
    for line, who in zip(lines, (ZHOU, ZHOU, LIUYANG, LIUYANG), strict=True):
        line["from"] = who
    path = folder / "s.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    """This environment without any of the bot's settings (the test names its own)."""
    ours = {name.upper() for name in Settings.model_fields}
    return {**{k: v for k, v in os.environ.items() if k.upper() not in ours}, **extra}


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*DUDAO, *args], cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=300)


def _paths(db: Path) -> list[Path]:
    with sqlite3.connect(db) as conn:
        return [Path(p) for (p,) in conn.execute("SELECT path FROM evidence ORDER BY id")]


def test_replay_into_a_kept_sqlite_database_keeps_its_photos_beside_it(tmp_path: Path) -> None:
    scenario, db = _scenario(tmp_path / "scenario"), tmp_path / "kept" / "replay.db"
    db.parent.mkdir()
    result = _run(["replay", str(scenario), "--county", str(COUNTY), "--db", f"sqlite+aiosqlite:///{db}"], tmp_path)
    assert result.returncode == 0, result.stderr
    paths = _paths(db)
    assert len(paths) == 2 and all(p.is_file() and p.is_relative_to(db.parent / "evidence") for p in paths)
    assert paths[0].read_bytes() == PHOTO.read_bytes()

    doctor = _run(["doctor", "--wait", "0.1", "--db", f"sqlite+aiosqlite:///{db}"], tmp_path)
    assert "照片记录 2 条，文件都在" in doctor.stdout, doctor.stdout + doctor.stderr
    paths[1].unlink()
    doctor = _run(["doctor", "--wait", "0.1", "--db", f"sqlite+aiosqlite:///{db}"], tmp_path)
    assert "照片记录 2 条，其中 1 条的照片文件已不在磁盘上" in doctor.stdout, doctor.stdout + doctor.stderr


def test_replay_keeps_its_photos_in_evidence_dir_when_set(tmp_path: Path) -> None:
    scenario, db, store = _scenario(tmp_path / "scenario"), tmp_path / "replay.db", tmp_path / "store"
    result = _run(["replay", str(scenario), "--county", str(COUNTY), "--db", f"sqlite+aiosqlite:///{db}"], tmp_path,
                  EVIDENCE_DIR=str(store))
    assert result.returncode == 0, result.stderr
    paths = _paths(db)
    assert len(paths) == 2 and all(p.is_file() and p.resolve().is_relative_to(store.resolve()) for p in paths)
    assert not (tmp_path / "evidence").exists()
