"""Scenario tests: each tests/scenarios/*.jsonl replays through `dudao replay` and must meet its .expect.json.
The shared scenarios in ../shared/scenarios run too when that directory exists."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1] / "scenarios"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "scenarios"
CHECKER = HERE / "check_scenario.py"
DUDAO = f"{shlex.quote(sys.executable)} -m bot"


def _pairs(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.jsonl") if p.with_suffix(".expect.json").exists()) \
        if directory.is_dir() else []


def _check(scenario: Path) -> subprocess.CompletedProcess:
    expect = scenario.with_suffix(".expect.json")
    return subprocess.run([sys.executable, str(CHECKER), str(scenario), str(expect), "--dudao", DUDAO],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("scenario", _pairs(HERE), ids=lambda p: p.stem)
def test_shipped_scenario(scenario: Path) -> None:
    result = _check(scenario)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("scenario", _pairs(SHARED) or [None], ids=lambda p: p.stem if p else "absent")
def test_shared_scenario(scenario: Path | None) -> None:
    if scenario is None:
        pytest.skip("../shared/scenarios is not present on this machine")
    result = _check(scenario)
    assert result.returncode == 0, result.stdout + result.stderr


def test_malformed_line_stops_replay_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": "2024-03-11T09:30:00+08:00", "room": "r", "from": "x", "text": "hi"}\n{"at": 5}\n',
                   encoding="utf-8")
    county = Path(__file__).resolve().parents[2] / "bot" / "data" / "demo-county.yaml"
    result = subprocess.run([*shlex.split(DUDAO), "replay", str(bad), "--county", str(county)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "line 2" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("line", "reason"), [
    ('{"at": "2024-03-11T09:30:00+08:00", "operator": "findings delete", "file": "a.xlsx"}',
     "unknown operator command 'findings delete'"),
    ('{"at": "2024-03-11T09:30:00+08:00", "operator": "findings import", "file": "../a.xlsx"}',
     "file outside the scenario folder"),
    ('{"at": "2024-03-11T09:30:00+08:00", "operator": "findings import", "file": "missing.xlsx"}', "file not found"),
    ('{"at": "2024-03-11T09:30:00+08:00", "operator": "findings import", "file": "a.xlsx", "by": 3}',
     "'by' and 'source' must be strings"),
])
def test_a_malformed_operator_line_is_named(tmp_path: Path, line: str, reason: str) -> None:
    from bot.transports.replay import ScenarioError, read_scenario

    (tmp_path / "a.xlsx").write_bytes(b"")
    (tmp_path / "s").mkdir()
    scenario = tmp_path / "s" / "bad.jsonl" if "../" in line else tmp_path / "bad.jsonl"
    scenario.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="line 1: " + reason.replace("(", r"\(")):
        read_scenario(scenario)
