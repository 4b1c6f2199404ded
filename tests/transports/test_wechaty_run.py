"""`dudao run` as an operator runs it, with a puppet endpoint in the environment: it connects to the local
stand-in gateway, answers a command in a room, survives the gateway going away and coming back, and stops
cleanly on SIGTERM. The bot is a real child process; nothing of ours is mocked."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wechaty_standin import PuppetStandIn

pytestmark = pytest.mark.slow  # `dudao run` as a child process, across a restart of the gateway

ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"


async def test_dudao_run_connects_answers_and_survives_a_gateway_restart(tmp_path: Path) -> None:
    standin = PuppetStandIn()
    standin.add_contact(SUPERVISOR, "周永红")
    standin.add_contact(PRINCIPAL, "刘洋")
    standin.add_room(ROOM, "实验小学督导联络群", [SUPERVISOR, PRINCIPAL])
    await standin.start()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
           "EVIDENCE_DIR": str(tmp_path / "evidence"), "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"),
           "WECHATY_PUPPET_SERVICE_ENDPOINT": standin.endpoint, "WECHATY_PUPPET_SERVICE_TOKEN": "run-token",
           "WECHATY_ROOM_INTERVAL_SECONDS": "0", "WECHATY_BETWEEN_ROOMS_SECONDS": "0", "LOG_LEVEL": "INFO"}
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await eventually(lambda: standin.subscribers == 1, timeout=60)
        standin.text(SUPERVISOR, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天", room=ROOM)
        await eventually(lambda: any("Q1" in t.text for t in standin.sent_texts), timeout=30)
        created = next(t for t in standin.sent_texts if "Q1" in t.text)
        assert PRINCIPAL in created.mention_ids

        await standin.stop()  # the gateway goes away …
        await asyncio.sleep(1.0)  # … for a while (time passing is the fault: the bot notices and retries)
        standin.text(PRINCIPAL, "#整改 Q1 已清理通道", room=ROOM)  # … a message waits for the reconnect
        await standin.start()  # … and comes back on the same port
        await eventually(lambda: any("待验收" in t.text for t in standin.sent_texts), timeout=60)
        assert sum("Q1" in t.text and "已登记" in t.text for t in standin.sent_texts) == 1  # nothing twice

        child.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(child.communicate(), 15)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.stop()
    log = stderr.decode()
    assert child.returncode == 0, log[-3000:]
    assert "run-token" not in log and standin.endpoint in log
