"""tools/lowest_constraints.py: each direct dependency pinned at its declared lower bound, for .ci/run's second venv."""
from __future__ import annotations

import runpy
from pathlib import Path

from tests.support.paths import REPO

TOOL = runpy.run_path(str(REPO / "tools" / "lowest_constraints.py"))


def test_bounds_become_pins_markers_stay_extras_go(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("""
[project]
name = "x"
dependencies = [
    "sqlalchemy[asyncio]>=2.0.33,<2.2",  # a comment
    "wechaty==0.10.7",
    "pyee>=8,<9",
    "tzdata",
    "standard-telnetlib>=3.13; python_version >= '3.13'",
    "rapidfuzz~=3.6",
]
[project.optional-dependencies]
test = ["pytest>=8.2"]
docs = ["sphinx>=7"]
""", encoding="utf-8")
    lines = TOOL["constraints"](pyproject).splitlines()
    assert lines[1:] == [
        "# [project].dependencies",
        "sqlalchemy==2.0.33", "wechaty==0.10.7", "pyee==8", "# tzdata: no lower bound",
        'standard-telnetlib==3.13; python_version >= "3.13"', "rapidfuzz==3.6",
        "# the 'test' extra", "pytest==8.2",
    ]
    assert "sphinx" not in TOOL["constraints"](pyproject) and "sphinx==7" in TOOL["constraints"](pyproject, ("docs",))


def test_the_projects_own_file_pins_every_bounded_dependency() -> None:
    text = TOOL["constraints"]()
    assert "sqlalchemy==" in text and "typer==" in text and "pytest==" in text and "playwright==" in text
    assert "[" not in "".join(line for line in text.splitlines() if not line.startswith("#"))
