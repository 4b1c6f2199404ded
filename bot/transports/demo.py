"""`dudao demo`: a replay that prints the conversation for people, not JSON."""
from __future__ import annotations

from typing import IO

from bot.clock import VirtualClock
from bot.domain.roster import Roster
from bot.messages import Inbound, Outbound
from bot.transports.replay import ReplayTransport


class DemoTransport(ReplayTransport):
    name = "demo"

    def __init__(self, clock: VirtualClock, out: IO[str], roster: Roster) -> None:
        super().__init__(clock, out, roster.tz)
        self.roster = roster

    def _where(self, room: str | None, to: str | None = None) -> str:
        if room is None:
            person = self.roster.by_chat_id.get(to or "")
            return f"私聊 {person.name if person else to}"
        info = self.roster.rooms.get(room)
        return info.name if info and info.name else room

    def _stamp(self) -> str:
        return self.clock.now().astimezone(self.roster.tz).strftime("%m-%d %H:%M")

    def show_inbound(self, msg: Inbound) -> None:
        person = self.roster.by_chat_id.get(msg.sender)
        who = f"{person.name}（{person.role}）" if person else msg.sender
        text = msg.text or "".join(f"[图片 {f.name}]" for f in msg.files)
        self.out.write(f"\n{self._stamp()} [{self._where(msg.room)}] {who}：{text}\n")

    async def send(self, msg: Outbound) -> None:
        mentions = " ".join(f"@{n}" for n in msg.mention_names)
        body = msg.text.replace("\n", "\n    ")
        head = f"{self._stamp()} [{self._where(msg.room, msg.to)}] 🤖 督导助手："
        self.out.write(f"{head}{mentions + ' ' if mentions else ''}\n    {body}\n")
        self.out.flush()
