"""`dudao run` as an operator runs it, with WECOM_BOT_ID in the environment: it says which transport it runs,
connects to the local WeCom stand-in, answers an @-mention in a group, survives WeCom restarting, and stops
cleanly on SIGTERM. The bot is a real child process; nothing of ours is mocked."""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.photos import image_bytes
from tests.support.waiting import eventually
from tests.support.wecom_standin import WecomStandIn

pytestmark = pytest.mark.slow  # `dudao run` as a child process, across a restart of the platform

ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"


async def test_dudao_run_connects_answers_and_survives_a_wecom_restart(tmp_path: Path) -> None:
    standin = WecomStandIn(bot_id="run-bot", secret="run-secret-123")
    await standin.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECOM_BOT_ID": "run-bot", "WECOM_BOT_SECRET": "run-secret-123", "WECOM_WS_URL": standin.url,
           "WECOM_WEBHOOK_URL": standin.http.webhook_url, "LOG_LEVEL": "DEBUG"}
    err_path = tmp_path / "stderr.log"  # a file, not a pipe: DEBUG logging would fill a pipe nobody reads yet
    with err_path.open("wb") as err:
        child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                     stdout=asyncio.subprocess.DEVNULL, stderr=err)
    try:
        await eventually(lambda: standin.subscribes == 1, timeout=60)
        standin.text(SUPERVISOR, "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", chatid=ROOM)
        await eventually(lambda: any("Q1" in s.content for s in standin.said), timeout=30)
        assert standin.said[0].cmd == "respond" and standin.said[0].content.startswith(f"<@{PRINCIPAL}>")

        await standin.stop()  # WeCom goes away …
        standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)  # … a message waits
        await standin.start()  # … and comes back on the same port
        await eventually(lambda: any("待验收" in s.content for s in standin.said), timeout=60)
        assert sum("已登记" in s.content for s in standin.said) == 1  # nothing twice

        child.send_signal(signal.SIGTERM)
        started = time.monotonic()
        await asyncio.wait_for(child.wait(), 15)
        assert time.monotonic() - started < 10
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.close_all()
    log = err_path.read_text(encoding="utf-8")
    assert child.returncode == 0, log[-3000:]
    assert f"连接方式：WeCom 智能机器人 run-bot at {standin.url}" in log
    assert "aibot_subscribe" in log and "run-secret-123" not in log  # the wire log shows the frame, not the secret


async def test_dudao_run_takes_quotes_keeps_photos_and_shows_what_users_typed(tmp_path: Path) -> None:
    """`dudao run` against the stand-in, as people use WeCom: a description with markdown and a `<@…>` tag shows
    as typed (only the principal's tag notifies); a 图文混排 #整改 with a typo keeps its photo, which joins the
    corrected report; a quoted notice is a #整改 of its finding; a quoted photo is evidence, byte for byte."""
    standin = WecomStandIn(bot_id="run-bot", secret="run-secret-123")
    await standin.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECOM_BOT_ID": "run-bot", "WECOM_BOT_SECRET": "run-secret-123", "WECOM_WS_URL": standin.url,
           "WECOM_WEBHOOK_URL": standin.http.webhook_url}
    err_path = tmp_path / "stderr.log"
    with err_path.open("wb") as err:
        child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                     stdout=asyncio.subprocess.DEVNULL, stderr=err)

    def said(containing: str) -> list:  # messages (not the cards that follow a request to verify)
        return [s for s in standin.said if s.cmd in ("respond", "send") and containing in s.content]

    try:
        await eventually(lambda: standin.subscribes == 1, timeout=60)
        typed = "**急** [点我](https://evil.example/x) <@wxid_wangfang> 消防通道堆放杂物"
        standin.text(SUPERVISOR, f"@督导助手 #问题 实验小学 安全稳定 {typed} 限期3天", chatid=ROOM)
        standin.text(SUPERVISOR, "@督导助手 #问题 实验小学 安全稳定 实验室灭火器过期 限期5天", chatid=ROOM)
        await eventually(lambda: len(said("已登记")) == 2, timeout=30)
        first = said("已登记")[0]
        assert first.tags == [PRINCIPAL] and typed in first.shown and "<@wxid_wangfang>" not in first.content

        photo = image_bytes("png", seed=51)
        standin.mixed(PRINCIPAL, "@督导助手 #整改 Q11 已清理通道", photo, chatid=ROOM)  # a typo for Q1
        await eventually(lambda: said("先保存"), timeout=30)
        standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)
        await eventually(lambda: said("待验收"), timeout=30)

        quoted = image_bytes("jpg", seed=52)
        notice = said("灭火器")[0].content
        standin.quoting(PRINCIPAL, "@督导助手 已整改，灭火器已更换", standin.quote_text(notice), chatid=ROOM)
        await eventually(lambda: len(said("待验收")) == 2, timeout=30)
        standin.quoting(PRINCIPAL, "@督导助手 #整改 Q2 新灭火器照片", standin.quote_image(quoted), chatid=ROOM)
        await eventually(lambda: len(said("待验收")) == 3, timeout=30)
        child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(child.wait(), 15)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.close_all()
    assert child.returncode == 0, err_path.read_text(encoding="utf-8")[-3000:]
    with sqlite3.connect(tmp_path / "bot.db") as db:
        rows = db.execute("SELECT finding_id, path FROM evidence ORDER BY id").fetchall()
    assert [finding for finding, _ in rows] == [1, 2]  # the held photo went to Q1, the quoted one to Q2
    files = {p.name: p.read_bytes() for p in (tmp_path / "evidence").rglob("*") if p.is_file()}
    stored = [next(data for name, data in files.items() if name in path) for _, path in rows]
    assert stored == [photo, quoted]


async def test_dudao_run_verifies_by_a_tap_and_takes_a_reason_from_the_next_message(tmp_path: Path) -> None:
    """`dudao run` and the request to verify's card: a principal's tap and a second tap are refused to the tapper
    alone; 不通过 takes its reason from the tapper's next @-message; 验收通过 verifies."""
    standin = WecomStandIn(bot_id="run-bot", secret="run-secret-123")
    await standin.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECOM_BOT_ID": "run-bot", "WECOM_BOT_SECRET": "run-secret-123", "WECOM_WS_URL": standin.url,
           "WECOM_WEBHOOK_URL": standin.http.webhook_url}
    err_path = tmp_path / "stderr.log"
    with err_path.open("wb") as err:
        child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                     stdout=asyncio.subprocess.DEVNULL, stderr=err)

    def updated(req_id: str) -> list:
        return [s for s in standin.said if s.cmd == "update" and s.req_id == req_id]

    try:
        await eventually(lambda: standin.subscribes == 1, timeout=60)
        standin.text(SUPERVISOR, "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", chatid=ROOM)
        standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)
        await eventually(lambda: [s for s in standin.said if s.cmd == "card"], timeout=30)
        card = next(s for s in standin.said if s.cmd == "card")

        refused = standin.tap(PRINCIPAL, card, "验收通过", chatid=ROOM)
        await eventually(lambda: updated(refused), timeout=30)
        assert updated(refused)[0].userids == (PRINCIPAL,)
        failed = standin.tap(SUPERVISOR, card, "不通过", chatid=ROOM)
        await eventually(lambda: updated(failed), timeout=30)
        standin.text(SUPERVISOR, "@督导助手 仍有杂物未清理", chatid=ROOM)
        await eventually(lambda: [s for s in standin.said if "仍有杂物未清理" in s.content], timeout=30)

        standin.text(PRINCIPAL, "@督导助手 #整改 Q1 杂物已全部清走", chatid=ROOM)
        await eventually(lambda: len([s for s in standin.said if s.cmd == "card"]) == 2, timeout=30)
        second = [s for s in standin.said if s.cmd == "card"][1]
        passed = standin.tap(SUPERVISOR, second, "验收通过", chatid=ROOM)
        await eventually(lambda: updated(passed), timeout=30)
        assert updated(passed)[0].userids == ()
        again = standin.tap(SUPERVISOR, second, "验收通过", chatid=ROOM)
        await eventually(lambda: updated(again), timeout=30)
        assert updated(again)[0].userids == (SUPERVISOR,)
        child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(child.wait(), 15)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.close_all()
    assert child.returncode == 0, err_path.read_text(encoding="utf-8")[-3000:]
    with sqlite3.connect(tmp_path / "bot.db") as db:
        kinds = [(kind, raw) for kind, raw in db.execute("SELECT kind, raw_text FROM finding_events ORDER BY id")]
    assert [k for k, _ in kinds] == ["created", "rectified", "verify_failed", "rectified", "verify_passed"]
    assert kinds[2][1] == "#验收 Q1 不通过 仍有杂物未清理" and kinds[4][1] == "#验收 Q1 通过 [卡片按钮]"


async def test_a_standby_takes_the_wecom_connection_over_only_when_the_active_bot_is_killed(tmp_path: Path) -> None:
    """WeCom allows one long connection per robot: the standby does not subscribe while the active bot runs; killed
    (SIGKILL), the active one's connection ends, a message waits at WeCom, and the standby subscribes and answers
    it within 15 s (issue 28)."""
    standin = WecomStandIn(bot_id="run-bot", secret="run-secret-123")
    await standin.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECOM_BOT_ID": "run-bot", "WECOM_BOT_SECRET": "run-secret-123", "WECOM_WS_URL": standin.url,
           "WECOM_WEBHOOK_URL": standin.http.webhook_url, "LOG_LEVEL": "WARNING", "LOCK_CHECK_SECONDS": "1"}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    children = []
    for log in logs:
        with log.open("wb") as out:
            children.append(await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path,
                                                                 env=env, stdout=out, stderr=out))
        if not standin.subscribes:
            await eventually(lambda: standin.subscribes == 1, timeout=60)
    active, standby = children
    try:
        await eventually(lambda: "本实例作为备用实例等待" in logs[1].read_text(), timeout=30)
        standin.text(SUPERVISOR, "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", chatid=ROOM)
        await eventually(lambda: any("Q1" in s.content for s in standin.said), timeout=30)
        assert standin.subscribes == 1  # the standby stays off the robot's one connection
        await eventually(lambda: _all_marked(tmp_path / "bot.db"), timeout=30)  # (a kill in a send: test_takeover)

        killed = time.monotonic()
        active.kill()
        await active.wait()
        await eventually(lambda: standin.conn is None, timeout=10)
        standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)  # waits at WeCom meanwhile
        await eventually(lambda: any("待验收" in s.content for s in standin.said), timeout=30)
        assert time.monotonic() - killed < 15
        assert standin.subscribes == 2 and standin.refusals == 0
        assert sum("已登记" in s.content for s in standin.said) == 1  # nothing twice
        assert "已接管这个数据库" in logs[1].read_text()
        standby.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(standby.wait(), 15) == 0
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
        await standin.close_all()


def _all_marked(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return not conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                                "AND in_reply_to IS NOT NULL").fetchone()[0]
