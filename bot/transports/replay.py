"""Scenario replay: a virtual clock, JSONL in, JSONL out. The test and demo harness (format fixed by issue 2).

Input lines:
  {"at": ISO, "room": chat id or null, "from": chat id, "id": optional, "text": "..."}
  {"at": ISO, "room": ..., "from": ..., "id": ..., "type": "image", "file": "relative/path.png"}
  {"at": ISO, "tick": true}
  {"at": ISO, "operator": "findings import", "file": "relative/book.xlsx", "by": "刘建国", "source": "质量监测反馈"}
      — what the county's operator runs on the same database at that time (`dudao findings import`; "by" and
      "source" optional, as on the command line)
Output: one JSON line per message the bot sends, in send order; an operator's command gives one line too, with
"operator" naming it and "text" what the command printed (room, to and in_reply_to null).
"""
from __future__ import annotations

import json
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol
from zoneinfo import ZoneInfo

from bot.clock import VirtualClock
from bot.messages import Inbound, InboundFile, Outbound
from bot.transports.contract import Inlet, RateLimits


class ScenarioError(Exception):
    """A malformed scenario line; the message names the line."""


OPERATOR_COMMANDS = ("findings import",)


@dataclass(frozen=True)
class Operator:
    """An operator's command in a scenario: its name, the file it reads (inside the scenario's folder), its options."""

    command: str
    file: Path
    options: dict[str, str]


@dataclass(frozen=True)
class Step:
    line: int
    at: datetime
    inbound: Inbound | None  # None for a tick or an operator's command
    operator: Operator | None = None


def _field(obj: dict, name: str, line: int) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise ScenarioError(f"line {line}: field '{name}' is missing or not a str")
    return value


def _parse_at(obj: dict, line: int) -> datetime:
    raw = _field(obj, "at", line)
    try:
        at = datetime.fromisoformat(raw)
    except ValueError as err:
        raise ScenarioError(f"line {line}: 'at' is not an ISO time: {raw!r}") from err
    if at.tzinfo is None:
        raise ScenarioError(f"line {line}: 'at' has no UTC offset: {raw!r}")
    return at


def _inside(base: Path, obj: dict, line: int) -> Path:
    """The file a line names, which must be in the scenario's own folder (no ../, no absolute path) and exist."""
    path = (base / str(_field(obj, "file", line))).resolve()
    if not path.is_relative_to(base.resolve()):
        raise ScenarioError(f"line {line}: file outside the scenario folder: {_field(obj, 'file', line)}")
    if not path.is_file():
        raise ScenarioError(f"line {line}: file not found: {path}")
    return path


def _operator(obj: dict, line: int, base: Path, at: datetime) -> Step:
    command = _field(obj, "operator", line)
    if command not in OPERATOR_COMMANDS:
        known = ", ".join(OPERATOR_COMMANDS)
        raise ScenarioError(f"line {line}: unknown operator command {command!r} (known: {known})")
    options = {k: obj[k] for k in ("by", "source") if k in obj}
    if any(not isinstance(v, str) for v in options.values()):
        raise ScenarioError(f"line {line}: 'by' and 'source' must be strings")
    return Step(line, at, None, Operator(command, _inside(base, obj, line), options))


def _step(obj: dict, line: int, base: Path) -> Step:
    at = _parse_at(obj, line)
    if obj.get("tick") is True:
        return Step(line, at, None)
    if "operator" in obj:
        return _operator(obj, line, base, at)
    sender = _field(obj, "from", line)
    room = obj.get("room")
    if room is not None and not isinstance(room, str):
        raise ScenarioError(f"line {line}: 'room' must be a string or null")
    msg_id = obj.get("id")
    if msg_id is not None and not isinstance(msg_id, str):
        raise ScenarioError(f"line {line}: 'id' must be a string")
    files: tuple[InboundFile, ...] = ()
    text = ""
    if obj.get("type") == "image":
        path = _inside(base, obj, line)
        files = (InboundFile(name=path.name, data=path.read_bytes(), mime=mimetypes.guess_type(path.name)[0]),)
    elif "type" in obj and obj["type"] != "text":
        raise ScenarioError(f"line {line}: unknown type {obj['type']!r}")
    else:
        text = str(_field(obj, "text", line))
    return Step(line, at, Inbound(room=room, sender=sender, text=text, at=at, message_id=msg_id, files=files))


def read_scenario(path: Path) -> list[Step]:
    """Parse and check every line first, so a malformed scenario fails before anything runs."""
    steps: list[Step] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ScenarioError(f"line {n}: not valid JSON ({err.msg})") from err
        if not isinstance(obj, dict):
            raise ScenarioError(f"line {n}: expected a JSON object")
        step = _step(obj, n, path.parent)
        if steps and step.at < steps[-1].at:
            raise ScenarioError(f"line {n}: time goes backwards ({step.at.isoformat()} < {steps[-1].at.isoformat()})")
        steps.append(step)
    if not steps:
        raise ScenarioError("the scenario has no lines")
    return steps


class Driver(Inlet, Protocol):
    """An inlet whose clock replay moves (the bootstrap's Bot)."""

    async def advance_to(self, at: datetime) -> None:
        """Run what is scheduled up to `at`, each at its own time, then move the clock to `at`."""
        ...

    async def next_deferred(self) -> datetime | None:
        """When the next queued message that waits (a burst's acknowledgement, a retry) becomes due, if any."""
        ...

    async def settle(self) -> None:
        """At the end: write down whatever is still only in memory (the last replies' marks)."""
        ...


class ReplayTransport:
    """Writes each message the bot sends as one JSON line, stamped with the virtual time. Replay is driven by
    `play`, not by a receive loop."""

    name = "replay"
    limits = RateLimits()
    connected = True

    def __init__(self, clock: VirtualClock, out: IO[str], tz: ZoneInfo) -> None:
        self.clock, self.out, self.tz = clock, out, tz

    def show_inbound(self, msg: Inbound) -> None:
        """What a person said (the JSONL output has only what the bot sends)."""

    def show_operator(self, command: str, text: str) -> None:
        """What an operator's command printed, as one line of the output."""
        record: dict[str, object] = {
            "at": self.clock.now().astimezone(self.tz).isoformat(), "room": None, "to": None, "operator": command,
            "text": text, "mentions": [], "in_reply_to": None, "files": []}
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()

    async def run(self, inlet: Inlet) -> None:
        return None

    async def send(self, msg: Outbound) -> None:
        record = {"at": self.clock.now().astimezone(self.tz).isoformat(), "room": msg.room, "to": msg.to,
                  "text": msg.text, "mentions": list(msg.mentions), "in_reply_to": msg.in_reply_to,
                  "files": list(msg.files)}
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.out.flush()

    async def stop(self) -> None:
        return None


RunsOperator = Callable[[Operator, datetime], Awaitable[str]]


async def play(driver: Driver, transport: ReplayTransport, steps: list[Step],
               operator: RunsOperator | None = None) -> None:
    """Move the clock line by line; before each line, whatever is scheduled or deferred up to its time runs at its
    own time. After the last line, messages still deferred (a burst's acknowledgement) go out at their time.
    `operator` runs an operator's command at its time (what it queues is sent as the bot's messages are)."""
    for step in steps:
        await _send_deferred(driver, until=step.at)
        await driver.advance_to(step.at)
        if step.inbound is not None:
            transport.show_inbound(step.inbound)
            await driver.handle(step.inbound)
        elif step.operator is not None:
            if operator is None:
                raise ScenarioError(f"line {step.line}: operator's commands cannot run here")
            transport.show_operator(step.operator.command, await operator(step.operator, step.at))
        await driver.drain_outbox()
    await _send_deferred(driver, until=None)
    await driver.settle()


async def _send_deferred(driver: Driver, *, until: datetime | None) -> None:
    """Move the clock to each deferred message's time up to `until` (None: the last of them) and send it then."""
    while (due := await driver.next_deferred()) is not None and (until is None or due <= until):
        await driver.advance_to(due)
        await driver.drain_outbox()
