"""What a handler or a reminder rule gets: one context type, with what both need, and the command's extras."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.permissions import Action
from bot.domain.roles import Actor
from bot.domain.roster import PersonInfo, RoomInfo, Roster
from bot.domain.schools import SchoolIndex
from bot.messages import Inbound
from bot.render import Renderer
from bot.settings import Settings
from bot.storage.session import Session


@dataclass
class Context:
    """One transaction's view of the county: the session (the caller owns the transaction), the roster snapshot,
    the time and the renderer. A reminder rule gets exactly this."""

    session: Session
    roster: Roster
    now: datetime
    renderer: Renderer

    @property
    def today(self) -> date:
        return self.now.astimezone(self.roster.tz).date()

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.roster.tz)


class HelpTopics(Protocol):
    """The commands the bot knows, as #帮助 needs them (bot.routing.Commands)."""

    @property
    def topics(self) -> dict[str, str]: ...

    def topic_of(self, word: str) -> str | None: ...

    def suggest(self, text: str) -> str | None: ...

    def near(self, body: str) -> str | None: ...

    def usages(self, may: Callable[[Action], bool], has: Callable[[str], bool] = ...) -> list[list[Any]]: ...


@dataclass
class CommandContext(Context):
    """A handler's context: the shared one, plus who sent the command, where, and the message itself."""

    schools: SchoolIndex
    actor: Actor
    room: RoomInfo | None
    inbound: Inbound
    settings: Settings
    message_key: str
    commands: HelpTopics

    @property
    def private(self) -> bool:
        return self.inbound.room is None

    @property
    def person(self) -> PersonInfo | None:
        return self.roster.people.get(self.actor.person_id) if self.actor.person_id else None
