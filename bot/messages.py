"""Platform-neutral message types: what a transport hands the core and what the core hands back."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class InboundFile:
    """A file (usually a photo) a person sent; the transport has already fetched its bytes."""

    name: str
    data: bytes
    mime: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message a person sent, as the core sees it.

    room: the room chat id, or None for a private chat.
    sender: the sender's chat id (what the roster binds).
    message_id: the platform's id, or None when the platform gives no stable id.
    at: timezone-aware time the platform says the message was sent.
    mentions_bot: the platform says the bot was @-mentioned (the text may still carry "@督导助手").
    id_scope: the namespace in which the platform's ids are unique and stable — WeCom's msgid (`wecom`), a Wechaty
        id within the puppet of the account the gateway is logged in as (`wechaty:<account>`). Set, the id alone
        is the message: a redelivery is recognised whatever its timestamp (10 minutes later, with another or no
        create_time, after a restart), and two ids are two messages even with the same sender, room, second and
        text. None: the ids (if any) may be renumbered or reused, so the message is also known by its content.
    """

    room: str | None
    sender: str
    text: str
    at: datetime
    message_id: str | None = None
    files: tuple[InboundFile, ...] = ()
    mentions_bot: bool = False
    sender_name: str | None = None
    id_scope: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Inbound.at must be timezone-aware")


@dataclass(frozen=True)
class Outbound:
    """One message the bot sends: to a room (room set) or privately to a person (to set)."""

    room: str | None
    to: str | None
    text: str
    mentions: tuple[str, ...] = ()
    mention_names: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    in_reply_to: str | None = None
    key: str = ""
    at: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False)
