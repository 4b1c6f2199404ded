"""A plain, non-editable `pip install .` must ship the templates, migrations, demo county and demo scenario."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.slow  # pip builds a wheel


def test_wheel_ships_templates_migrations_and_data(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    wheel = next(tmp_path.glob("dudao_bot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*.j2")}
    assert {f"dudao_templates/{t}" for t in templates} <= names
    migrations = {p.name for p in (REPO / "alembic" / "versions").glob("*.py")}
    assert {f"dudao_migrations/versions/{m}" for m in migrations} <= names
    assert {"dudao_migrations/env.py", "dudao_migrations/script.py.mako", "bot/data/demo-county.yaml",
            "bot/data/scenarios/demo.jsonl", "bot/data/scenarios/evidence-1.png",
            "bot/data/bulletin-template.docx"} <= names
    sources = {p.relative_to(REPO).as_posix() for top in ("bot", "handlers", "reminders")
               for p in (REPO / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert sources <= names, f"not shipped: {sorted(sources - names)}"  # every subpackage is listed in pyproject
    web = {p.relative_to(REPO).as_posix() for folder in ("templates", "static")
           for p in (REPO / "bot" / "web" / folder).iterdir()}
    assert web and web <= names, f"desk files not shipped: {sorted(web - names)}"
    assert not any(n.startswith("tests/") for n in names)


def test_installed_resources_are_found() -> None:
    from bot.resources import migrations_dir, templates_dir

    assert (templates_dir() / "findings" / "created.j2").is_file()
    assert (migrations_dir() / "env.py").is_file() and any((migrations_dir() / "versions").glob("*.py"))
