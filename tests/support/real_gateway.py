"""The real Wechaty gateway (TypeScript: wechaty-puppet-service's PuppetServer over wechaty-puppet-mock), run by
tests/gateway/serve.mjs as a child process: the Python side makes contacts speak and rename themselves (JSON lines
on its stdin) and reads what the bot sent (JSON lines on its stdout). Installed by `npm ci` in tests/gateway
(.ci/run does it); where Node or the packages are missing the tests that need it skip, saying why — unless
DUDAO_REQUIRE_GATEWAY is set (CI), where that is a failure."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from typing import Any

import pytest

from tests.support.paths import REPO

GATEWAY_DIR = REPO / "tests" / "gateway"
SELF_ID, SELF_NAME = "wxid_bot", "督导助手"
SUPERVISOR, PRINCIPAL, ROOM = "wxid_zhouyonghong", "wxid_liuyang", "room-syxx@chatroom"
DEMO_CONTACTS = [{"id": SUPERVISOR, "name": "周永红"}, {"id": PRINCIPAL, "name": "刘洋"},
                 {"id": "wxid_liujianguo", "name": "刘建国"}]
DEMO_ROOMS = [{"id": ROOM, "topic": "实验小学督导联络群", "members": [SUPERVISOR, PRINCIPAL]},
              {"id": "room-office@chatroom", "topic": "县教育督导室工作群", "members": ["wxid_liujianguo"]}]


def missing() -> str | None:
    """Why the real gateway cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed (the real Wechaty gateway is a Node program)"
    if not (GATEWAY_DIR / "node_modules" / "wechaty-puppet-service").is_dir():
        return f"the gateway's packages are not installed: run `npm ci` in {GATEWAY_DIR}"
    return None


def require() -> None:
    reason = missing()
    if reason is None:
        return
    if os.environ.get("DUDAO_REQUIRE_GATEWAY"):
        pytest.fail(f"DUDAO_REQUIRE_GATEWAY is set but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RealGateway:
    def __init__(self, token: str, *, tls: bool = False, login: bool = True, qrcode: str | None = None,
                 contacts: list[dict] | None = None, rooms: list[dict] | None = None) -> None:
        self.port = free_port()
        self.token = token
        self.config = {"port": self.port, "token": token, "tls": tls, "login": login,
                       "qrcode": qrcode, "self": {"id": SELF_ID, "name": SELF_NAME},
                       "contacts": DEMO_CONTACTS if contacts is None else contacts,
                       "rooms": DEMO_ROOMS if rooms is None else rooms}
        self.events: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e["event"] == "sent"]

    def count(self, event: str) -> int:
        with self._lock:
            return sum(e["event"] == event for e in self.events)

    def count_read(self, talker: str, after: float = 0.0) -> int:
        """How many messages of `talker` a client has read (asked the MessagePayload of) since `after`
        (time.monotonic())."""
        with self._lock:
            return sum(e["event"] == "read" and e.get("talker") == talker and e["t"] > after for e in self.events)

    def start(self, timeout: float = 30.0) -> RealGateway:
        require()
        env = {**os.environ, "WECHATY_LOG": os.environ.get("GATEWAY_LOG", "warn")}
        self._proc = subprocess.Popen(["node", "serve.mjs", json.dumps(self.config)], cwd=GATEWAY_DIR, env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, encoding="utf-8", bufsize=1)
        threading.Thread(target=self._read_events, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.wait_for(lambda: self.count("listening") >= 1, timeout, "the gateway to listen")
        return self

    def _read_events(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.strip():
                event = json.loads(line)
                event["t"] = time.monotonic()
                with self._lock:
                    self.events.append(event)

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            self.stderr.append(line)

    def wait_for(self, predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; gateway stderr:\n{''.join(self.stderr)[-2000:]}")
            if self._proc is not None and self._proc.poll() is not None:
                raise AssertionError(f"the gateway exited ({self._proc.returncode}):\n{''.join(self.stderr)[-2000:]}")
            time.sleep(0.01)  # the poll interval of this condition wait

    def command(self, op: str, **values: Any) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **values}, ensure_ascii=False) + "\n")
        self._proc.stdin.flush()

    def say(self, sender: str, text: str, *, room: str | None = ROOM, mentions: list[str] | None = None) -> float:
        """`sender` says `text` (in `room`, or privately to the bot); returns when (time.monotonic())."""
        said = self.count("said")
        self.command("say", **{"from": sender, "text": text, "mentions": mentions or [],
                               **({"room": room} if room else {"to": SELF_ID})})
        self.wait_for(lambda: self.count("said") > said, 10, "the mock to take the message")
        return time.monotonic()

    def rename(self, contact_id: str, name: str) -> None:
        renamed = self.count("renamed")
        self.command("rename", id=contact_id, name=name)
        self.wait_for(lambda: self.count("renamed") > renamed, 10, "the rename")

    def stop_server(self) -> None:
        stopped = self.count("stopped")
        self.command("stop")
        self.wait_for(lambda: self.count("stopped") > stopped, 10, "the gRPC server to stop")

    def start_server(self) -> float:
        listening = self.count("listening")
        self.command("start")
        self.wait_for(lambda: self.count("listening") > listening, 10, "the gRPC server to listen again")
        return time.monotonic()

    def close(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        try:
            self.command("exit")
            self._proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> RealGateway:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()
