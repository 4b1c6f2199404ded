"""What a handler gets (Context) and gives back (Reply), and the errors that become polite answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.roles import Actor
from bot.domain.roster import PersonInfo, RoomInfo, Roster
from bot.domain.schools import SchoolIndex
from bot.messages import Inbound
from bot.render import Renderer
from bot.settings import Settings


@dataclass(frozen=True)
class Reply:
    """What to say: a template and plain values. `room`/`to` default to where the command came from."""

    template: str
    values: dict = field(default_factory=dict)
    mention: tuple[PersonInfo, ...] = ()
    room: str | None = None
    to: str | None = None
    files: tuple[str, ...] = ()


class UserError(Exception):
    """Something the sender should hear about (a refusal, an unknown id, a bad state); nothing is changed."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template)
        self.template = template
        self.values = values


@dataclass
class Context:
    session: AsyncSession
    roster: Roster
    schools: SchoolIndex
    actor: Actor
    room: RoomInfo | None
    inbound: Inbound
    now: datetime
    settings: Settings
    message_key: str
    renderer: Renderer

    @property
    def today(self) -> date:
        return self.now.astimezone(self.roster.tz).date()

    @property
    def private(self) -> bool:
        return self.inbound.room is None

    @property
    def person(self) -> PersonInfo | None:
        return self.roster.people.get(self.actor.person_id) if self.actor.person_id else None

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.roster.tz)
