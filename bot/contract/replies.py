"""What a handler or a rule gives back: a Reply (an answer to a message) or a Notice (a message the bot sends on its
own), the one function that turns either into an Outbound, and the error that becomes a polite answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.roster import PersonInfo
from bot.messages import Button, Outbound
from bot.render import Renderer


@dataclass(frozen=True)
class Reply:
    """What to say: a template and plain values. `room`/`to` default to where the command came from."""

    template: str
    values: dict = field(default_factory=dict)
    mention: tuple[PersonInfo, ...] = ()
    room: str | None = None
    to: str | None = None
    files: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()  # where the platform has buttons: one tap runs the command (bot.messages)


@dataclass(frozen=True)
class Covered:
    """A further step one notice delivers: a reminder listing several findings records each finding's step."""

    key: str
    finding_id: int | None = None
    step: int | None = None


@dataclass(frozen=True, kw_only=True)
class Notice(Reply):
    """One bot-initiated message: `key` names what and which step, so it is sent once, ever."""

    key: str
    kind: str
    finding_id: int | None = None
    step: int | None = None
    covers: tuple[Covered, ...] = ()  # recorded as sent together with `key`


@dataclass(frozen=True, kw_only=True)
class Later(Reply):
    """A reply that waits under its own `key` until `not_before`, and may change while it waits: another Later of
    the same key re-renders the waiting one (and moves its time when it names one), `withdraw` takes it back.
    Without `not_before` it only changes one that waits (none waits: nothing is said)."""

    key: str
    not_before: datetime | None = None
    withdraw: bool = False


class UserError(Exception):
    """Something the sender should hear about (a refusal, an unknown id, bad arguments, a bad state): answer with
    this template and values; nothing is changed. The parser raises it too."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template)
        self.template = template
        self.values = values


def to_outbound(message: Reply, renderer: Renderer, *, key: str, in_reply_to: str | None = None,
                here: str | None = None, sender: str | None = None, today: date | None = None) -> Outbound:
    """Render a reply or a notice. Without a room or a recipient of its own it goes back where the message came
    from (`here`, the room; else privately to `sender`)."""
    room = message.room or (None if message.to else here)
    to = None if room else (message.to or sender)
    people = [(p.chat_id, p.name) for p in message.mention if p.chat_id]
    return Outbound(room=room, to=to, text=renderer.render(message.template, **{"today": today, **message.values}),
                    mentions=tuple(c for c, _ in people), mention_names=tuple(n for _, n in people),
                    files=message.files, in_reply_to=in_reply_to, key=key, buttons=message.buttons)
