"""`dudao user add|passwd|disable` and `dudao web`, run as the operator would."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.cli.test_cli import dudao


def test_user_add_passwd_disable(tmp_path: Path) -> None:
    db = ["--db", f"sqlite+aiosqlite:///{tmp_path}/d.db"]
    assert dudao("county", "load", str(Path(__file__).parents[2] / "bot/data/demo-county.yaml"), *db,
                 cwd=tmp_path).returncode == 0
    added = dudao("user", "add", "刘建国", *db, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "用户名：p-liu" in added.stdout and re.search(r"初始密码：\S{12,}", added.stdout)
    again = dudao("user", "passwd", "p-liu", "--stdin", *db, cwd=tmp_path, stdin="a new secret\n")
    assert again.returncode == 0 and "原来的登录已失效" in again.stdout and "a new secret" not in again.stdout
    assert dudao("user", "disable", "wxid_liujianguo", *db, cwd=tmp_path).stdout.startswith("已停用刘建国")
    nobody = dudao("user", "add", "无此人", *db, cwd=tmp_path)
    assert nobody.returncode == 1 and "名册里没有找到“无此人”" in nobody.stderr
    none = dudao("user", "passwd", "谭晓燕", *db, cwd=tmp_path)
    assert none.returncode == 1 and "还没有工作台账号" in none.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """Start `dudao ARGS` with the desk on a free port; return the process and the login page once it answers."""
    port = _free_port()
    env = {"WEB_LISTEN": f"127.0.0.1:{port}", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db",
           "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=tmp_path, env={**os.environ, **env},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as page:
                return proc, page.read().decode()
        except OSError:
            time.sleep(0.1)  # the poll interval of this condition wait (up to 30 s for the desk to answer)
    proc.kill()
    raise AssertionError(f"the desk did not come up: {proc.communicate()[1][-2000:]}")


def test_dudao_web_serves_the_login_page(tmp_path: Path) -> None:
    proc, body = _start(tmp_path, "web")
    try:
        assert 'name="username"' in body and 'name="password"' in body and 'name="csrf"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_run_with_web_serves_bot_and_desk_in_one_process(tmp_path: Path) -> None:
    proc, body = _start(tmp_path, "run", "--web")
    assert 'name="username"' in body
    out, err = proc.communicate("/as 周永红\n/room 实验小学督导联络群\n#问题 实验小学 扶手松动 限期3天\n/quit\n", timeout=60)
    assert proc.returncode == 0, err
    assert "已登记问题 Q1" in out and "督导室工作台" in err


def test_a_bad_listen_address_is_a_clear_message(tmp_path: Path) -> None:
    result = dudao("web", cwd=tmp_path, env={"WEB_LISTEN": "nonsense"})
    assert result.returncode == 1 and "WEB_LISTEN" in result.stderr


def test_user_passwd_and_disable_end_open_sessions_at_once(tmp_path: Path) -> None:
    """A desk session open in a browser ends the moment the operator runs `dudao user passwd` or `user disable`;
    both are in the audit log."""
    import asyncio

    from sqlalchemy import select
    from sqlalchemy.pool import NullPool
    from starlette.testclient import TestClient

    from bot.settings import Settings
    from bot.storage import models as m
    from bot.storage.engine import Database
    from bot.web.desk import create_app
    from tests.web.conftest import login

    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    db_args = ["--db", url]
    dudao("county", "load", str(Path(__file__).parents[2] / "bot/data/demo-county.yaml"), *db_args, cwd=tmp_path)
    assert dudao("user", "add", "p-liu", "--stdin", *db_args, cwd=tmp_path, stdin="first-pass-1\n").returncode == 0
    db = Database(url, poolclass=NullPool)
    try:
        browser = TestClient(create_app(Settings(database_url=url, _env_file=None), db), follow_redirects=False)
        assert login(browser, "p-liu", "first-pass-1").status_code == 303
        assert browser.get("/ledger").status_code == 200
        assert dudao("user", "passwd", "p-liu", "--stdin", *db_args, cwd=tmp_path, stdin="second-pass-2\n").returncode == 0
        assert browser.get("/ledger").status_code == 303
        assert login(browser, "p-liu", "second-pass-2").status_code == 303
        assert dudao("user", "disable", "p-liu", *db_args, cwd=tmp_path).returncode == 0
        assert browser.get("/ledger").status_code == 303

        async def read() -> tuple[int, list[tuple[str, str, str]]]:
            async with db.reading() as s:
                left = len(list(await s.scalars(select(m.WebSession))))
                rows = await s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id))
                return left, [(e.kind, e.actor, e.detail) for e in rows if e.kind not in ("login",)]
        left, entries = asyncio.run(read())
        assert left == 0
        assert entries == [("password_set", "dudao user", "p-liu"), ("account_disabled", "dudao user", "p-liu")]
    finally:
        asyncio.run(db.dispose())
