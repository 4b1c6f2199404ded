"""Settings: .env.example documents every setting (and nothing else), each with a comment; .env is read once."""
from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    keys = [m.group(1) for line in lines if (m := re.match(r"^([A-Z][A-Z0-9_]*)=", line))]
    assert sorted(keys) == sorted(name.upper() for name in Settings.model_fields)
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z]", line):
            assert lines[i - 1].startswith("#"), f"{line}: no comment above it"


def test_env_file_and_empty_values(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=sqlite+aiosqlite:///x.db\nCOUNTY_FILE=\nWECHATY_PER_MINUTE=20\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    assert settings.database_url.endswith("x.db") and settings.county_file is None
    assert settings.wechaty_per_minute == 20 and not settings.wechaty_configured
