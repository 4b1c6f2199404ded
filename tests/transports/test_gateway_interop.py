"""`dudao run` against the real Wechaty gateway (the TypeScript PuppetServer of wechaty-puppet-service over
wechaty-puppet-mock, TLS off; tests/support/real_gateway.py): it logs in, answers a supervisor's #问题 and a
principal's #整改 with the right mentions, follows a rename, ignores its own echoes, survives the gateway's restart,
stops cleanly — and a wrong token is refused without the token in any log line."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.transports.wechaty import WechatyTransport
from bot.transports.wechaty.gateway import Timing
from tests.support.paths import REPO
from tests.support.real_gateway import PRINCIPAL, SELF_ID, SUPERVISOR, RealGateway, require
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow  # the real Node gateway, and `dudao run` as a child

TOKEN = "insecure_interop-8f3a2c"
FIGURES: dict[str, float] = {}  # printed with -s; recorded in docs/wechaty.md


class Child:
    """`dudao run` as a child process, its stderr lines stamped as they come."""

    def __init__(self, tmp: Path, endpoint: str, token: str) -> None:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bot.db", "EVIDENCE_DIR": str(tmp / "ev"),
               "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"), "WECHATY_PUPPET_SERVICE_ENDPOINT": endpoint,
               "WECHATY_PUPPET_SERVICE_TOKEN": token, "WECHATY_ROOM_INTERVAL_SECONDS": "0",
               "WECHATY_BETWEEN_ROOMS_SECONDS": "0", "LOG_LEVEL": "INFO"}
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp, env=env, text=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, encoding="utf-8")
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line))

    def logins(self) -> list[float]:
        return [t for t, line in list(self.lines) if "logged in as" in line]

    @property
    def log(self) -> str:
        return "".join(line for _, line in list(self.lines))


def _sent_after(gateway: RealGateway, count: int, words: str, timeout: float = 20) -> dict:
    gateway.wait_for(lambda: any(words in e["text"] for e in gateway.sent[count:]), timeout, f"a reply with {words}")
    return next(e for e in gateway.sent[count:] if words in e["text"])


def test_dudao_run_against_the_real_gateway(tmp_path: Path) -> None:
    require()
    with RealGateway(TOKEN) as gateway:
        child = Child(tmp_path, gateway.endpoint, TOKEN)
        try:
            gateway.wait_for(lambda: child.logins(), 60, f"the bot to log in\n{child.log[-3000:]}")
            FIGURES["login_s"] = child.logins()[0] - child.started

            said = gateway.say(SUPERVISOR, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")
            created = _sent_after(gateway, 0, "Q1")
            FIGURES["reply_s"] = created["t"] - said
            assert PRINCIPAL in created["mentions"] and "@刘洋" in created["text"]

            gateway.rename(PRINCIPAL, "刘洋校长")  # the gateway's DIRTY event drops the cached name
            gateway.wait_for(lambda: f"payload {PRINCIPAL} of type" in child.log, 10, "the bot to hear of the rename")
            count = len(gateway.sent)
            gateway.say(SUPERVISOR, "#问题 实验小学 食品卫生 食堂留样记录不全 限期5天")
            second = _sent_after(gateway, count, "Q2")
            assert "@刘洋校长" in second["text"] and PRINCIPAL in second["mentions"], second

            gateway.stop_server()  # the gateway goes away …
            time.sleep(1.0)  # … for a while (time passing is the fault: the bot notices and retries)
            back = gateway.start_server()  # … and comes back on the same port
            gateway.wait_for(lambda: len(child.logins()) >= 2, 60, f"the bot to log in again\n{child.log[-3000:]}")
            FIGURES["recovery_s"] = child.logins()[1] - back

            count = len(gateway.sent)
            gateway.say(PRINCIPAL, "#整改 Q1 已清理通道")
            done = _sent_after(gateway, count, "待验收")
            assert SUPERVISOR in done["mentions"] and "@周永红" in done["text"], done
            # every reply comes back as a message (one sent just before the restart may be lost with the stream):
            # wait until the bot has read the echo of the last one, which came after all the others
            gateway.wait_for(lambda: gateway.count_read(SELF_ID, after=done["t"]) >= 1, 20,
                             "the bot to read the echo of its last reply")
            child.proc.send_signal(signal.SIGTERM)  # a stop hands what was read to the app before it ends
            child.proc.wait(15)
        finally:
            if child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait()
        print(f"\ninterop: {FIGURES}")  # noqa: T201
        log = child.log
        assert child.proc.returncode == 0, log[-3000:]
        assert TOKEN not in log and gateway.endpoint in log
        assert "there are two" not in log  # no duplicate endpoint/token warnings
        assert "is not busy" not in "".join(gateway.stderr), "".join(gateway.stderr)  # no Stop before Start
        assert sum("Q1" in e["text"] and "已登记" in e["text"] for e in gateway.sent) == 1  # nothing twice
    with sqlite3.connect(tmp_path / "bot.db") as db:  # the echoes came back and were not taken as messages
        senders = {row[0] for row in db.execute("select sender_chat_id from handled_messages")}
    assert SELF_ID not in senders and {SUPERVISOR, PRINCIPAL} <= senders
    assert FIGURES["login_s"] < 30 and FIGURES["reply_s"] < 5 and FIGURES["recovery_s"] < 20


class _Inlet:
    async def handle(self, inbound) -> bool:
        return True

    async def handle_many(self, inbounds) -> list[bool]:
        return [True for _ in inbounds]

    def wake_outbox(self) -> None: ...

    async def last_handled_at(self):
        return None


async def test_a_wrong_token_is_refused_and_never_logged(caplog) -> None:
    require()
    with RealGateway(TOKEN) as gateway:
        wrong = "insecure_wrong-7d1e90"
        settings = Settings(wechaty_puppet_service_endpoint=gateway.endpoint, wechaty_puppet_service_token=wrong)
        transport = WechatyTransport(settings, timing=Timing(backoff_initial=0.2, backoff_max=0.5))
        with caplog.at_level(logging.INFO):
            task = asyncio.create_task(transport.run(_Inlet()))
            await eventually(lambda: "UNAUTHENTICATED" in caplog.text or "TOKEN" in caplog.text, 20,
                             what="the gateway's refusal in the log")
            assert not transport.connected
            await transport.stop()
            await task
    assert wrong not in caplog.text
    assert "Invalid Wechaty TOKEN" in caplog.text or "UNAUTHENTICATED" in caplog.text


async def test_a_gateway_with_tls_on_is_named_as_the_cause(caplog) -> None:
    """python-wechaty only sees "Connection lost"; the transport finds out why and says it, once."""
    require()
    with RealGateway(TOKEN, tls=True) as gateway:
        settings = Settings(wechaty_puppet_service_endpoint=gateway.endpoint, wechaty_puppet_service_token=TOKEN)
        transport = WechatyTransport(settings, timing=Timing(backoff_initial=0.2, backoff_max=0.3))
        with caplog.at_level(logging.INFO):
            task = asyncio.create_task(transport.run(_Inlet()))
            await eventually(lambda: "speaks TLS" in caplog.text, 20, what="the TLS hint in the log")
            attempts = caplog.text.count("connecting to gateway")
            await eventually(lambda: caplog.text.count("connecting to gateway") >= attempts + 2, 20,
                             what="two more attempts after the hint")  # the hint is not repeated in them
            await transport.stop()
            await task
    assert caplog.text.count("speaks TLS") == 1
    assert "NO_TLS_INSECURE_SERVER=true" in caplog.text
