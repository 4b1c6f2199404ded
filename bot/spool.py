"""The spool: messages the database could not take just now, kept on disk until it can (bot/intake.py).

An append-only file of JSON lines, each fsynced before it counts: `{"add": n, "message": …}` when a message is
kept, `{"done": n}` once it was handled (or found handled before). What was added and not done is read back at
start, in order. A torn last line (a crash in the middle of a write) is skipped with a warning: the write that
tore was never confirmed. When nothing waits, the file is emptied.
"""
from __future__ import annotations

import base64
import json
import logging
import os
from datetime import datetime
from pathlib import Path

from bot.messages import Inbound, InboundFile

log = logging.getLogger("dudao.spool")


def to_json(inbound: Inbound) -> dict:
    return {"room": inbound.room, "sender": inbound.sender, "text": inbound.text, "at": inbound.at.isoformat(),
            "message_id": inbound.message_id, "mentions_bot": inbound.mentions_bot,
            "sender_name": inbound.sender_name, "id_scope": inbound.id_scope, "text_length": inbound.text_length,
            "files": [{"name": f.name, "mime": f.mime, "data": base64.b64encode(f.data).decode()}
                      for f in inbound.files]}


def from_json(data: dict) -> Inbound:
    return Inbound(room=data["room"], sender=data["sender"], text=data["text"], at=datetime.fromisoformat(data["at"]),
                   message_id=data["message_id"], mentions_bot=data["mentions_bot"], sender_name=data["sender_name"],
                   id_scope=data["id_scope"], text_length=data.get("text_length"),
                   files=tuple(InboundFile(f["name"], base64.b64decode(f["data"]), f["mime"]) for f in data["files"]))


class Spool:
    """The file at `path` (its folder is made on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._next = 1
        self._pending: dict[int, Inbound] = {}

    def load(self) -> list[tuple[int, Inbound]]:
        """What waits, oldest first (read once, at start)."""
        self._pending.clear()
        if not self.path.exists():
            return []
        lines = self.path.read_bytes().split(b"\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if "add" in record:
                    self._pending[int(record["add"])] = from_json(record["message"])
                else:
                    self._pending.pop(int(record["done"]), None)
            except (ValueError, KeyError, TypeError) as error:
                log.warning("spool %s line %d unreadable (%s): skipped", self.path, number, error)
        self._next = max(self._pending, default=0) + 1
        if not self._pending:
            self._empty()
        return sorted(self._pending.items())

    def add(self, inbound: Inbound) -> int:
        """Keep `inbound`; its number once it is on disk. OSError when it cannot be written (then it is not kept)."""
        n = self._next
        self._write({"add": n, "message": to_json(inbound)})
        self._next += 1
        self._pending[n] = inbound
        return n

    def done(self, n: int) -> None:
        """`n` was handled; OSError when that cannot be written (then it is handled again after a restart — its
        key makes that a duplicate)."""
        self._pending.pop(n, None)
        if self._pending:
            self._write({"done": n})
        else:
            self._empty()

    def __len__(self) -> int:
        return len(self._pending)

    def _write(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            try:
                if os.write(fd, line) != len(line):
                    raise OSError(28, "short write to the spool")  # ENOSPC, as a full disk gives it
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # no torn line for the next record to run into
                raise
        finally:
            os.close(fd)

    def _empty(self) -> None:
        if self.path.exists() and self.path.stat().st_size:
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(fd, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
