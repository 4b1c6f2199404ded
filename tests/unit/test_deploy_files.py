"""The install files (issue #28 item 5) name real things: every setting the Dockerfile, compose.yaml and the systemd
units set is a setting of bot/settings.py, every `dudao` command they run is a command of the CLI, the image runs as
a non-root user with Chinese fonts, the compose file has the database, the desk's health check and its volumes, the
units restart and time the backup. Where the tools are on this machine, `docker-compose config` (or `docker compose
config`) validates compose.yaml and `systemd-analyze verify` the units."""
from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings
from tests.support.paths import REPO

SETTINGS = {name.upper() for name in Settings.model_fields}
PROCESS = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}  # the interpreter's, not the bot's
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
UNITS = REPO / "deploy"


def _cli_commands() -> set[str]:
    """Every `dudao …` command path the CLI has ("run", "db upgrade", …) and the options of `run`."""
    import typer

    from bot.cli.main import app

    group = typer.main.get_command(app)
    found = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        found.add(name)
        for sub in getattr(command, "commands", {}):
            found.add(f"{name} {sub}")
    return found


def _runs(args: list[str]) -> None:
    """`args` (after `dudao`) is a real command with real options."""
    from typer.testing import CliRunner

    from bot.cli.main import app

    words = [a for a in args if not a.startswith("-") and "$" not in a]
    assert words and (words[0] in _cli_commands() or " ".join(words[:2]) in _cli_commands()), args
    options = [a for a in args if a.startswith("--")]
    if options:
        helped = CliRunner().invoke(app, [*words[:1], "--help"], terminal_width=200)
        for option in options:
            assert option in helped.output, (args, option)


def _dockerfile_env() -> dict[str, str]:
    body = re.search(r"^ENV (.*?)(?=^\S)", DOCKERFILE, re.S | re.M)
    assert body is not None
    return dict(w.split("=", 1) for w in shlex.split(body.group(1).replace("\\\n", " ")))


def test_the_image_is_slim_non_root_with_chinese_fonts_and_runs_the_bot_with_the_desk() -> None:
    assert re.search(r"^FROM python:3\.11-slim", DOCKERFILE, re.M)
    user = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert user and user[-1] not in ("root", "0")
    assert "fonts-wqy-microhei" in DOCKERFILE or "fonts-noto-cjk" in DOCKERFILE
    entry = re.search(r'^ENTRYPOINT \["dudao"\]', DOCKERFILE, re.M)
    cmd = re.search(r"^CMD (\[.*\])", DOCKERFILE, re.M)
    assert entry and cmd
    _runs(yaml.safe_load(cmd.group(1)))
    assert "/healthz" in DOCKERFILE
    env = _dockerfile_env()
    assert set(env) - SETTINGS - PROCESS == set()
    Settings(_env_file=None, **{k.lower(): v for k, v in env.items() if k in SETTINGS})  # each value is valid


def test_compose_has_the_bot_with_the_desk_postgresql_and_the_gateway_in_a_profile() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"bot", "db", "gateway"}
    bot, db, gateway = services["bot"], services["db"], services["gateway"]
    _runs(bot["command"])
    environment = bot["environment"]
    assert set(environment) - SETTINGS == set()
    assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@db:5432/" in environment["DATABASE_URL"]
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    mounted = {v.split(":")[1] for v in bot["volumes"]}
    assert {environment["EVIDENCE_DIR"], environment["BACKUP_DIR"]} <= mounted
    assert Path(environment["SPOOL_DIR"]).parent.as_posix() in mounted
    assert any(v.startswith("db:") for v in db["volumes"])
    assert gateway["profiles"] == ["wechaty"]
    assert all(p.startswith("127.0.0.1:") for p in bot["ports"])  # the desk behind nginx, not open to the network


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def _exec(unit: configparser.ConfigParser) -> list[str]:
    words = shlex.split(unit["Service"]["ExecStart"])
    assert words[0].endswith("/bin/dudao")
    return words[1:]


def test_the_service_restarts_and_the_timer_runs_the_backup() -> None:
    service = _unit("dudao.service")
    assert service["Service"]["Restart"] in ("always", "on-failure") and service["Service"]["User"] != "root"
    _runs(_exec(service))
    backup = _unit("dudao-backup.service")
    assert _exec(backup) == ["backup", "${BACKUP_DIR}"]
    assert backup["Service"]["Type"] == "oneshot"
    assert service["Service"]["EnvironmentFile"] == backup["Service"]["EnvironmentFile"]
    timer = _unit("dudao-backup.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"


def test_the_backup_command_the_timer_runs_exists() -> None:
    assert "backup" in _cli_commands() and "restore" in _cli_commands()
    _runs(["backup", "/var/backups/dudao"])


def test_docs_deploy_names_every_install_file() -> None:
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name in ("Dockerfile", "compose.yaml", "deploy/dudao.service", "deploy/dudao-backup.timer", "/healthz",
                 "/metrics", "METRICS_LISTEN", "ALERT_AFTER_MINUTES", "LOG_FORMAT", "nginx"):
        assert name in text, name


def test_compose_config_validates(tmp_path: Path) -> None:
    tool = (["docker-compose"] if shutil.which("docker-compose") else
            ["docker", "compose"] if shutil.which("docker") and subprocess.run(
                ["docker", "compose", "version"], capture_output=True).returncode == 0 else None)
    if tool is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed here")
    shutil.copy(REPO / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text((REPO / ".env.example").read_text(encoding="utf-8") + "POSTGRES_PASSWORD=x1\n",
                                   encoding="utf-8")
    for profile in ([], ["--profile", "wechaty"]):
        done = subprocess.run([*tool, "-f", "compose.yaml", *profile, "config", "-q"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr


def test_systemd_verifies_the_units(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    dudao = str(Path(sys.executable).parent / "dudao")  # the venv running the tests (CI's is not on PATH)
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/opt/dudao/venv/bin/dudao", dudao)
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
