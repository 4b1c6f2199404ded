"""LOG_FORMAT=json (bot/cli/json_logs.py, set up by the CLI's logging, bot/cli/options.py): one JSON object a line —
a traceback inside its line, Chinese as it is, a lone surrogate escaped — and no secret in any of them (the gateway
token, the WeCom bot secret, the database password), whoever logs it. In a child process: logging set up from
scratch, as `dudao run` does."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.paths import REPO

TOKEN, SECRET, PASSWORD = "gw-token-7f3a91", "wecom-secret-88c2d4", "pg-pass-51e0b7"
CHILD = """
import logging
from bot.cli.options import _logging, _settings
settings = _settings()
_logging("INFO", settings)
log = logging.getLogger("dudao.test")
log.info("gateway said: Invalid Wechaty TOKEN %s", "@TOKEN@")
log.warning("督导助手 connecting with %s to %s", "@SECRET@", settings.database_url)
try:
    raise RuntimeError("refused: @PASSWORD@ \\ud800")
except RuntimeError:
    log.exception("连接失败")
logging.getLogger("websockets.client").warning("frame %s", {"secret": "@SECRET@"})
"""


def test_json_lines_parse_and_hold_no_secret(tmp_path) -> None:  # noqa: ANN001 — pytest's tmp_path
    env = {**os.environ, "LOG_FORMAT": "json", "WECHATY_PUPPET_SERVICE_TOKEN": TOKEN, "WECOM_BOT_SECRET": SECRET,
           "DATABASE_URL": f"postgresql+asyncpg://dudao:{PASSWORD}@db:5432/dudao"}
    code = CHILD.replace("@TOKEN@", TOKEN).replace("@SECRET@", SECRET).replace("@PASSWORD@", PASSWORD)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60, check=True)
    lines = done.stderr.splitlines()
    assert len(lines) == 4, done.stderr
    entries = [json.loads(line) for line in lines]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR", "WARNING"]
    assert entries[1]["logger"] == "dudao.test" and entries[1]["message"].startswith("督导助手 connecting with ***")
    assert entries[2]["message"] == "连接失败" and "RuntimeError: refused: ***" in entries[2]["exception"]
    assert entries[0]["time"].endswith("+00:00")
    for secret in (TOKEN, SECRET, PASSWORD):
        assert secret not in done.stderr
