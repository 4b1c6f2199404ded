"""`dudao run --web` as an operator runs it (a real child process, the WeCom stand-in as the platform), with
METRICS_LISTEN and LOG_FORMAT=json: /healthz answers 200 on the desk's port and on METRICS_LISTEN, /metrics counts
the message handled, the connection lost is seen at once (dudao_chat_connected 0) while /healthz stays 200 for the
first minute of reconnecting; every log line is a JSON object without the secret."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wecom_standin import WecomStandIn

pytestmark = pytest.mark.slow  # `dudao run --web` as a child process

ROOM, SUPERVISOR = "room-syxx@chatroom", "wxid_zhouyonghong"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_dudao_run_serves_health_on_the_desk_and_metrics_listen(tmp_path: Path) -> None:
    standin = WecomStandIn(bot_id="health-bot", secret="health-secret-4711")
    await standin.start()
    desk, metrics = _port(), _port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECOM_BOT_ID": "health-bot", "WECOM_BOT_SECRET": "health-secret-4711", "WECOM_WS_URL": standin.url,
           "WECOM_WEBHOOK_URL": standin.http.webhook_url, "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
           "WEB_LISTEN": f"127.0.0.1:{desk}", "METRICS_LISTEN": f"127.0.0.1:{metrics}"}
    err_path = tmp_path / "stderr.log"
    with err_path.open("wb") as err:
        child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--web", cwd=tmp_path,
                                                     env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            async def healthy(port: int) -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(lambda: healthy(desk), timeout=60)
            assert await healthy(metrics)
            standin.text(SUPERVISOR, "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", chatid=ROOM)
            await eventually(lambda: any("Q1" in s.content for s in standin.said), timeout=30)
            text = (await http.get(f"http://127.0.0.1:{metrics}/metrics")).text
            assert "\ndudao_messages_handled_total 1.0\n" in text and "\ndudao_chat_connected 1.0\n" in text

            await standin.stop()  # WeCom goes away: reconnecting, for less than a minute

            async def seen_down() -> bool:
                return "\ndudao_chat_connected 0.0\n" in (await http.get(f"http://127.0.0.1:{desk}/metrics")).text

            await eventually(seen_down, timeout=10)
            answer = await http.get(f"http://127.0.0.1:{desk}/healthz")
            assert answer.status_code == 200 and answer.json()["status"] == "ok"
        child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(child.wait(), 20)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.close_all()
    log = err_path.read_text(encoding="utf-8")
    assert child.returncode == 0, log[-3000:]
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert len(entries) > 10 and {"time", "level", "logger", "message"} <= set(entries[0])
    assert all(not line.startswith(" ") for line in log.splitlines())  # no traceback outside its JSON line
    assert "health-secret-4711" not in log
