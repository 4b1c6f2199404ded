"""The fault harness: `dudao run` (a real child process) against the gateway stand-in, killed with SIGKILL at
random moments and restarted, while people send commands in several rooms. The stand-in behaves like a real
gateway after a reconnect: it stamps messages to the second and delivers the recent ones again. Afterwards the
database and the stand-in's sends are checked: every command handled once, every finding once, every reply sent
at least once, and the repeats counted.

Run it all with `PYTHONPATH=. python benchmarks/faults.py` (600 commands, 8 kills); CI runs a small one
(tests/faults/test_faults.py)."""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wechaty_standin import EVENT_MESSAGE, PuppetStandIn, pb

# (room, topic, the supervisor who logs findings there, the school named)
ROOMS = [("room-syxx@chatroom", "实验小学督导联络群", "wxid_zhouyonghong", "实验小学"),
         ("room-ckzx@chatroom", "城口中学督导联络群", "wxid_zhouyonghong", "城口中学"),
         ("room-fxzx@chatroom", "复兴中学督导联络群", "wxid_chenjing", "复兴中学"),
         ("room-jgyey@chatroom", "机关幼儿园督导联络群", "wxid_liming", "机关幼儿园")]
PEOPLE = {"wxid_zhouyonghong": "周永红", "wxid_chenjing": "陈静", "wxid_liming": "李明", "wxid_liuyang": "刘洋",
          "wxid_wangfang": "王芳", "wxid_huangjun": "黄军", "wxid_sunli": "孙丽"}
MARK = re.compile(r"隐患(\d+)号")


class GatewayStandIn(PuppetStandIn):
    """Stamps messages to the whole second and, on every new event stream, delivers again the messages of the
    last `redeliver_seconds` (as a gateway replays recent history after a login)."""

    redeliver_seconds = 30.0

    def message(self, *args: object, timestamp: float | None = None, **kw: object) -> str:
        return super().message(*args, timestamp=float(int(time.time() if timestamp is None else timestamp)), **kw)

    async def _event(self, stream) -> None:  # noqa: ANN001 — a grpclib Stream
        cutoff = (time.time() - self.redeliver_seconds) * 1000
        waiting = {json.loads(e.payload).get("messageId") for e in self._pending}
        again = [pb.EventResponse(type=EVENT_MESSAGE, payload=json.dumps({"messageId": mid}))
                 for mid, p in self.messages.items()
                 if p.timestamp >= cutoff and p.from_id != self.self_id and mid not in waiting]
        self._pending[:0] = again
        await super()._event(stream)

    @classmethod
    async def demo(cls) -> GatewayStandIn:
        """A started stand-in knowing the demo county's people and the rooms of ROOMS (everyone in each)."""
        standin = cls()
        for chat_id, name in PEOPLE.items():
            standin.add_contact(chat_id, name)
        for room, topic, *_ in ROOMS:
            standin.add_room(room, topic, list(PEOPLE))
        await standin.start()
        return standin


@dataclass
class Figures:
    commands: int = 0
    kills: int = 0
    lost: list[int] = field(default_factory=list)  # commands with no finding
    duplicate_findings: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)  # findings whose reply never went out
    repeated_replies: int = 0  # replies sent more than once (a kill inside a send)
    resent_after_crash: int = 0  # what the bot itself counted (counters.outbox_resent_after_crash)
    refused_second_instance: bool | None = None

    def ok(self) -> bool:
        return not (self.lost or self.duplicate_findings or self.unanswered) and \
            self.repeated_replies <= self.kills and self.refused_second_instance is not False


def _env(tmp: Path, standin: GatewayStandIn) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bot.db", "EVIDENCE_DIR": str(tmp / "evidence"),
            "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"), "LOG_LEVEL": os.environ.get("FAULT_LOG_LEVEL", "WARNING"),
            "WECHATY_PUPPET_SERVICE_ENDPOINT": standin.endpoint, "WECHATY_PUPPET_SERVICE_TOKEN": "fault-token",
            "WECHATY_ROOM_INTERVAL_SECONDS": "0", "WECHATY_BETWEEN_ROOMS_SECONDS": "0", "OUTBOX_PER_MINUTE": "100000", "WECHATY_PER_MINUTE": "100000",
            "OUTBOX_BACKOFF_SECONDS": "0.2", "PYTHONPATH": str(REPO)}


async def _start(tmp: Path, standin: GatewayStandIn, log: Path, *args: str) -> asyncio.subprocess.Process:
    out = log.open("ab")
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", *args, cwd=tmp,
                                                env=_env(tmp, standin), stdout=out, stderr=out)


async def run(tmp: Path, commands: int = 600, kills: int = 8, seed: int = 1, rate: float = 40.0) -> Figures:
    rng = random.Random(seed)
    standin = await GatewayStandIn.demo()
    log = tmp / "bot.log"
    kill_at = sorted(rng.sample(range(commands // 10, commands - commands // 10), kills))
    figures = Figures(commands=commands)
    child = await _one_of_two(tmp, standin, log, figures)  # two bots started at once on one database
    try:
        await eventually(lambda: standin.subscribers >= 1, timeout=60)
        for i in range(commands):
            room, _, supervisor, school = ROOMS[i % len(ROOMS)]
            standin.text(supervisor, f"#问题 {school} 隐患{i}号 限期5天", room=room)
            if i == commands // 3:  # the gateway restarts under load
                await standin.stop()
                await asyncio.sleep(0.5)  # it stays away a while: time passing is the fault
                await standin.start()
            if i == commands // 2:  # the office reloads the roster under load
                await _county_load(tmp, standin, log)
            if kill_at and i == kill_at[0]:
                kill_at.pop(0)
                await asyncio.sleep(rng.random() * 0.3)  # a random moment: somewhere inside handling or sending
                child.send_signal(signal.SIGKILL)
                await child.wait()
                figures.kills += 1
                child = await _start(tmp, standin, log)
            await asyncio.sleep(1 / rate)  # the people's pace: `rate` commands a second
        await eventually(lambda: _answered(standin) >= commands, timeout=120, what="a reply to every command")
        await _settled(tmp, standin)
    except TimeoutError:
        pass  # counted below as lost or unanswered
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
            await asyncio.wait_for(child.wait(), 30)
        await standin.stop()
    return _check(tmp, standin, figures)


async def _one_of_two(tmp: Path, standin: GatewayStandIn, log: Path, figures: Figures) -> asyncio.subprocess.Process:
    """Start two bots at once (--no-wait: no standby): one must refuse (exit 1) while the other runs; returns the
    one that runs."""
    a, b = await _start(tmp, standin, log, "--no-wait"), await _start(tmp, standin, log, "--no-wait")
    done, _ = await asyncio.wait([asyncio.create_task(a.wait()), asyncio.create_task(b.wait())], timeout=60,
                                 return_when=asyncio.FIRST_COMPLETED)
    loser = a if a.returncode is not None else b
    figures.refused_second_instance = bool(done) and loser.returncode == 1 and (a.returncode is None) != (
        b.returncode is None)
    return b if loser is a else a


async def _county_load(tmp: Path, standin: GatewayStandIn, log: Path) -> None:
    out = log.open("ab")
    loader = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "county", "load", str(REPO / "bot/data/demo-county.yaml"), cwd=tmp,
        env=_env(tmp, standin), stdout=out, stderr=out)
    await asyncio.wait_for(loader.wait(), 60)


LAST = "收尾核对"  # a last finding's description (not numbered: it is not one of the commands)


async def last_answered(standin: GatewayStandIn) -> None:
    """A last message, answered: the bot handles messages in wire order, so everything before it (redeliveries,
    what waited in a spool) has been handled by then."""
    room, _, supervisor, school = ROOMS[0]
    standin.text(supervisor, f"#问题 {school} {LAST} 限期5天", room=room)
    await eventually(lambda: any(LAST in t.text for t in standin.sent_texts), timeout=60, what="the last reply")


async def _settled(tmp: Path, standin: GatewayStandIn) -> None:
    """Nothing more on its way: a last message is answered and then the bot's outbox holds nothing to send.
    Repeats are counted after this."""
    await last_answered(standin)
    await eventually(lambda: not _outbox_busy(tmp), timeout=30, what="the bot's outbox to hold nothing to send")


def _outbox_busy(tmp: Path) -> int:
    """Replies the bot has yet to send or to mark sent (read from its database file while it runs; reminders are
    left out: at night they wait for the morning)."""
    engine = create_engine(f"sqlite:///{tmp}/bot.db")
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                                     "AND in_reply_to IS NOT NULL")).scalar()
    finally:
        engine.dispose()


def _answered(standin: GatewayStandIn) -> int:
    return len({int(n) for t in standin.sent_texts for n in MARK.findall(t.text)})


def _check(tmp: Path, standin: GatewayStandIn, figures: Figures) -> Figures:
    engine = create_engine(f"sqlite:///{tmp}/bot.db")
    with engine.connect() as conn:
        found = Counter(int(n) for (d,) in conn.execute(text("SELECT description FROM findings"))
                        for n in MARK.findall(d))
        row = conn.execute(text("SELECT value FROM counters WHERE name = 'outbox_resent_after_crash'")).first()
    engine.dispose()
    replies = Counter(int(n) for t in standin.sent_texts for n in set(MARK.findall(t.text)))
    figures.lost = [i for i in range(figures.commands) if found[i] == 0]
    figures.duplicate_findings = [i for i, n in found.items() if n > 1]
    figures.unanswered = [i for i in range(figures.commands) if found[i] and not replies[i]]
    figures.repeated_replies = sum(n - 1 for n in replies.values() if n > 1)
    figures.resent_after_crash = row[0] if row else 0
    return figures
