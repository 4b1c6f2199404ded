"""The local console: an interactive group chat in the terminal, the embedded default transport.

/room 城口中学督导联络群   pick the room (name or chat id; /room - for a private chat with the bot)
/as 王芳                  pick who you are (name, roster id or chat id)
/photo PATH               send a photo as the current person
/rooms, /people, /help, /quit
The console's own words are Chinese, from templates/cli/console.j2.
"""
from __future__ import annotations

import asyncio
import mimetypes
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bot.messages import TEXT_CAP, Inbound, InboundFile, Outbound
from bot.render import Renderer
from bot.transports.contract import RateLimits

if TYPE_CHECKING:
    from bot.domain.roster import Roster
    from bot.transports.contract import Inlet

_RENDERER = Renderer()


def words(what: str, **values: object) -> str:
    """The console's own line `what` (templates/cli/console.j2)."""
    return _RENDERER.render("cli/console.j2", what=what, **values)


class ConsoleTransport:
    name = "console"
    limits = RateLimits()
    connected = True

    def __init__(self, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> None:
        self.stdin, self.stdout = stdin or sys.stdin, stdout or sys.stdout
        self.room: str | None = None
        self.me: str | None = None
        self._roster: Roster | None = None
        self._stopping = False
        self._lines: asyncio.Queue[tuple[str, int]] | None = None  # what the stdin thread read: (line, its length)
        self._seq = 0

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _room_name(self, chat_id: str | None) -> str:
        if chat_id is None:
            return "私聊"
        room = self._roster.rooms.get(chat_id) if self._roster else None
        return room.name if room and room.name else chat_id

    async def send(self, out: Outbound) -> None:
        mentions = " ".join(f"@{n}" for n in out.mention_names)
        where = self._room_name(out.room) if out.room else f"私聊 → {out.to}"
        files = "".join(f"\n  [文件] {f}" for f in out.files)
        self._print(f"\n[{where}] 督导助手：{mentions + ' ' if mentions else ''}{out.text}{files}")

    async def _readline(self) -> tuple[str, int] | None:
        """The next line (without its newline; at most TEXT_CAP characters of it) and how long it was; None at the
        end of the input."""
        if self.stdin.isatty():  # a prompt that says who and where you are, for a person at a terminal
            person = self._roster.by_chat_id.get(self.me or "") if self._roster else None
            self.stdout.write(f"\n{person.name if person else self.me} @ {self._room_name(self.room)} > ")
            self.stdout.flush()
        if self._lines is None:
            self._lines = asyncio.Queue()
            self._start_reader(asyncio.get_running_loop(), self._lines)
        line, length = await self._lines.get()
        if not line:
            return None
        return (line[:-1], length - 1) if line.endswith("\n") else (line, length)

    def _start_reader(self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[tuple[str, int]]) -> None:
        """Lines from stdin, read in a daemon thread of their own: a stop (SIGTERM) does not wait for the next line,
        and the interpreter's exit does not wait for that thread (the default executor's would block it). Of a line
        longer than TEXT_CAP only the beginning is kept; the rest is read in pieces and counted."""
        def read() -> None:
            while True:
                line = self.stdin.readline(TEXT_CAP + 1)
                length = len(line)
                while length > TEXT_CAP and not line.endswith("\n") and (rest := self.stdin.readline(TEXT_CAP)):
                    length += len(rest)
                    if rest.endswith("\n"):
                        line += "\n"
                        break
                try:
                    loop.call_soon_threadsafe(lines.put_nowait, (line, length))
                except RuntimeError:  # the loop is closed: the bot stopped
                    return
                if line == "":
                    return

        threading.Thread(target=read, name="console-stdin", daemon=True).start()

    async def run(self, inlet: Inlet) -> None:
        self._roster = await inlet.roster()
        self._pick_defaults()
        self._print(words("banner", county=self._roster.county))
        self._print(words("where", room=self._room_name(self.room), who=self._who()))
        while not self._stopping:
            read = await self._readline()
            if read is None or read[0].strip() == "/quit":
                break
            line, length = read
            if line.startswith("/photo"):
                await self._photo(inlet, line.partition(" ")[2].strip())
            elif line.startswith("/"):
                self._command(line.strip())
            elif line.strip():
                await self._say(inlet, line, (), length=length)

    def _who(self) -> str:
        person = self._roster.by_chat_id.get(self.me or "") if self._roster else None
        return f"{person.name}（{person.role}）" if person else (self.me or "未选择")

    def _pick_defaults(self) -> None:
        assert self._roster is not None  # loaded by run(), the only caller
        rooms = [r for r in self._roster.rooms.values() if r.scope == "school"] or list(self._roster.rooms.values())
        self.room = rooms[0].chat_id if rooms else None
        sups = [p for p in self._roster.by_chat_id.values() if p.role == "督学"]
        self.me = sups[0].chat_id if sups else next(iter(self._roster.by_chat_id), "console-user")

    def _command(self, line: str) -> None:
        assert self._roster is not None  # loaded by run(), the only caller
        cmd, _, arg = line.partition(" ")
        arg = arg.strip()
        if cmd == "/room":
            self._set_room(arg)
        elif cmd == "/as":
            self._set_person(arg)
        elif cmd == "/rooms":
            for r in self._roster.rooms.values():
                self._print(f"  {r.name}  ({r.chat_id})")
        elif cmd == "/people":
            for p in self._roster.by_chat_id.values():
                self._print(f"  {p.name}（{p.role}）  {p.key}  {p.chat_id}")
        elif cmd == "/help":
            self._print(words("help"))
        else:
            self._print(words("unknown", command=cmd))

    def _set_room(self, arg: str) -> None:
        if not arg:
            self._print(words("room_empty"))
            return
        if arg in ("-", "私聊"):
            self.room = None
        else:
            assert self._roster is not None  # loaded by run(), the only caller
            rooms = self._roster.rooms.values()
            found = [r for r in rooms if arg in (r.chat_id, r.name)] or [r for r in rooms if arg in r.name]
            if len(found) != 1:
                names = [r.name or r.chat_id for r in found]
                self._print(words("room_many", arg=arg, names=names) if found else words("room_none", arg=arg))
                return
            self.room = found[0].chat_id
        self._print(words("room", room=self._room_name(self.room)))

    def _set_person(self, arg: str) -> None:
        if not arg:
            self._print(words("as_empty"))
            return
        assert self._roster is not None  # loaded by run(), the only caller
        found = [p for p in self._roster.people.values() if p.active and arg in (p.name, p.key, p.chat_id)]
        if not found:  # any account id: someone not (yet) bound
            self.me = arg
            self._print(words("as_unknown", arg=arg))
        elif len(found) > 1:
            self._print(words("as_many", arg=arg, names=[f"{p.name}（{p.key}）" for p in found]))
        elif not found[0].chat_id:
            self._print(words("as_unbound", name=found[0].name, key=found[0].key))
        else:
            self.me = found[0].chat_id
            self._print(words("me", who=self._who()))

    async def _say(self, inlet: Inlet, text: str, files: tuple[InboundFile, ...], *, length: int = 0) -> None:
        self._seq += 1
        at = datetime.now(UTC)
        msg_id = f"console-{at.timestamp():.6f}-{self._seq}"
        await inlet.handle(Inbound(room=self.room, sender=self.me or "console-user", text=text[:TEXT_CAP], at=at,
                                   message_id=msg_id, files=files, text_length=length if length > TEXT_CAP else None))
        await inlet.drain_outbox()
        self._roster = await inlet.roster()

    async def _photo(self, inlet: Inlet, path: str) -> None:
        if not path:
            self._print(words("photo_empty"))
            return
        try:
            file = photo_file(path)
        except OSError as err:
            reason = {FileNotFoundError: "missing", IsADirectoryError: "folder", PermissionError: "denied"}
            self._print(words("photo_unreadable", path=path, reason=reason.get(type(err), "other")))
            return
        await self._say(inlet, "", (file,))
        self._print(words("photo_sent", name=file.name))

    async def stop(self) -> None:
        self._stopping = True
        if self._lines is not None:
            self._lines.put_nowait(("", 0))  # wakes the wait for the next line: as the end of the input


def photo_file(path: str) -> InboundFile:
    p = Path(path).expanduser()
    return InboundFile(name=p.name, data=p.read_bytes(), mime=mimetypes.guess_type(p.name)[0])
