"""The `dudao` command line, run as a user would: console, demo, county load/check, invite, db upgrade."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.paths import DEMO_COUNTY


def dudao(*args: str, cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    full_env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=120, env=full_env)


def test_run_without_platform_uses_the_console_on_sqlite(tmp_path: Path) -> None:
    script = "/as 周永红\n/room 实验小学督导联络群\n#问题 实验小学 扶手松动 限期3天\n/as 刘洋\n#整改 Q1 已加固\n/quit\n"
    result = dudao("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "本地控制台" in result.stderr and "示例县" in result.stderr
    assert result.stdout.count("已登记问题 Q1") == 1 and "@刘洋" in result.stdout
    assert result.stdout.count("待验收") == 1 and "@周永红" in result.stdout
    assert (tmp_path / "data" / "dudao.db").exists()
    again = dudao("run", cwd=tmp_path, stdin="/as 周永红\n#查询 Q1\n/quit\n")  # restart: nothing lost
    assert "已加固" in again.stdout and "沿用数据库里已有的县名册" in again.stderr


def test_demo_prints_the_whole_loop(tmp_path: Path) -> None:
    result = dudao("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for text in ("已登记问题 Q1", "待验收", "验收不通过", "已销号", "问题统计"):
        assert text in result.stdout


def test_county_load_reports_bad_input_with_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO_COUNTY.read_text(encoding="utf-8").replace("role: 督学, chat_id: wxid_liming",
                                                                    "role: 教师, chat_id: wxid_liming"),
                   encoding="utf-8")
    result = dudao("county", "load", str(bad), cwd=tmp_path)
    assert result.returncode == 1 and "名册文件 bad.yaml 有 1 处需要改正" in result.stderr
    assert "people 第 4 项的 role：“教师”不在可选的范围内" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "dudao.db").exists() or "已载入" not in result.stdout


def test_county_load_then_invite(tmp_path: Path) -> None:
    load = dudao("county", "load", str(DEMO_COUNTY), cwd=tmp_path)
    assert load.returncode == 0 and "已载入城口县名册" in load.stdout, load.stderr
    invite = dudao("invite", "p-tangx", cwd=tmp_path)
    assert invite.returncode == 0 and "#绑定" in invite.stdout
    missing = dudao("invite", "nobody", cwd=tmp_path)
    assert missing.returncode == 1 and "名册里没有找到“nobody”" in missing.stderr


def test_county_template_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "county.xlsx"
    assert dudao("county", "template", str(out), cwd=tmp_path).returncode == 0
    check = dudao("county", "check", str(out), cwd=tmp_path)
    assert check.returncode == 0 and "16 所学校" in check.stdout


def test_db_upgrade(tmp_path: Path) -> None:
    result = dudao("db", "upgrade", "--db", f"sqlite+aiosqlite:///{tmp_path}/x.db", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "x.db").exists()


def test_county_load_of_a_workbook_without_rooms_keeps_them_and_says_so(tmp_path: Path) -> None:
    from tests.support.county_files import demo_xlsx

    assert dudao("county", "load", str(DEMO_COUNTY), cwd=tmp_path).returncode == 0
    result = dudao("county", "load", str(demo_xlsx(tmp_path, drop=("群",))), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已载入城口县名册（county.xlsx）" in result.stdout and "停用" not in result.stdout
    assert "文件中没有“群”部分，这些原有数据保持不变" in result.stdout


def test_run_with_county_file_says_what_changed(tmp_path: Path) -> None:
    result = dudao("run", cwd=tmp_path, stdin="/quit\n", env={"COUNTY_FILE": str(DEMO_COUNTY)})
    assert result.returncode == 0, result.stderr
    assert "已载入城口县名册（demo-county.yaml）" in result.stderr and "新增：责任区 3 个，学校 16 所" in result.stderr


def _console_bot(tmp_path: Path) -> subprocess.Popen:
    """`dudao run` on the console in `tmp_path` (the embedded default), returned once its console is up."""
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "督导助手本地控制台" in bot.stdout.readline() + bot.stdout.readline()
    except BaseException:
        bot.kill()
        bot.communicate(timeout=10)
        raise
    return bot


def test_a_second_bot_with_no_wait_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    first = _console_bot(tmp_path)
    try:
        second = dudao("run", "--no-wait", cwd=tmp_path, stdin="/quit\n")
        assert second.returncode == 1 and "另一个督导助手正在使用这个数据库" in second.stderr
        assert f"pid {first.pid}" in second.stderr and "备用" not in second.stderr
    finally:
        first.communicate("/quit\n", timeout=30)
    assert first.returncode == 0
    assert dudao("run", cwd=tmp_path, stdin="/quit\n").returncode == 0  # free again once the first has stopped


def _standby(tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _read_until(stream, words: str) -> str:  # noqa: ANN001 — a text pipe
    seen = ""
    while words not in seen:
        line = stream.readline()
        assert line, seen  # the process ended first
        seen += line
    return seen


def test_a_second_bot_stands_by_and_takes_over_when_the_first_is_killed(tmp_path: Path) -> None:
    first = _console_bot(tmp_path)
    second = _standby(tmp_path)
    try:
        said = _read_until(second.stderr, "不需要备用实例时")
        assert "另一个督导助手正在使用这个数据库" in said and f"pid {first.pid}" in said and " 起；" in said
        assert "本实例作为备用实例等待" in said and "整台机器断电时无效" in said  # SQLite: same machine only
        status = dudao("status", cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert f"正在工作的实例：pid {first.pid} on " in status.stdout
        assert "备用实例 1 个" in status.stdout and f"pid {second.pid} on " in status.stdout
        assert "等待发出的回复和提醒：0 条" in status.stdout
        first.kill()  # SIGKILL: the flock goes with the process
        first.communicate(timeout=10)
        assert "已接管这个数据库" in _read_until(second.stderr, "已接管这个数据库")
        assert "督导助手本地控制台" in second.stdout.readline() + second.stdout.readline()
        status = dudao("status", cwd=tmp_path)
        assert f"正在工作的实例：pid {second.pid} on " in status.stdout and "没有备用实例" in status.stdout
        out, _ = second.communicate("/as 周永红\n/room 实验小学督导联络群\n#问题 实验小学 扶手松动\n/quit\n", timeout=60)
        assert second.returncode == 0 and "已登记问题 Q1" in out
    finally:
        for bot in (first, second):
            if bot.poll() is None:
                bot.kill()
                bot.communicate(timeout=10)
    status = dudao("status", cwd=tmp_path)
    assert status.returncode == 1 and "现在没有实例在工作" in status.stdout and "没有备用实例" in status.stdout


def test_sigterm_stops_a_standby_quietly(tmp_path: Path) -> None:
    first = _console_bot(tmp_path)
    second = _standby(tmp_path)
    try:
        _read_until(second.stderr, "不需要备用实例时")
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=20)
        assert second.returncode == 0 and "备用实例已停止" in err and "Traceback" not in err
        assert list(tmp_path.glob("data/*.standby.*")) == []  # its mark for `dudao status` is gone
    finally:
        for bot in (first, second):
            if bot.poll() is None:
                bot.kill()
                bot.communicate(timeout=10)


def test_sigterm_stops_the_console_bot_while_it_waits_for_a_line(tmp_path: Path) -> None:
    bot = _console_bot(tmp_path)
    try:
        bot.send_signal(signal.SIGTERM)  # stdin stays open: nothing more to read, and it must stop anyway
        bot.wait(timeout=20)
    finally:
        if bot.poll() is None:
            bot.kill()
        bot.communicate(timeout=10)
    assert bot.returncode == 0
    assert dudao("run", cwd=tmp_path, stdin="/quit\n").returncode == 0  # the database is free again
