"""Platform-neutral message types: what a transport hands the core and what the core hands back."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

# The most characters of a message's text anything keeps: a longer text is cut here as the Inbound is made (its
# length kept), so no queue, batch, digest or log holds 10 MB of it. MAX_MESSAGE_CHARS, the length the core reads,
# is at most this; a message longer than that is answered with a request to shorten it, and not read.
TEXT_CAP = 65_536


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
    text: at most TEXT_CAP characters; text_length: how long the text was as sent, when it was longer (only its
        beginning is kept: cut here, or by a transport that would not read the rest), else None.
    id_scope: the namespace in which the platform's ids are unique and stable — WeCom's msgid (`wecom`), a Wechaty
        id within the puppet of the account the gateway is logged in as (`wechaty:<account>`). Set, the id alone
        is the message: a redelivery is recognised whatever its timestamp (10 minutes later, with another or no
        create_time, after a restart), and two ids are two messages even with the same sender, room, second and
        text. None: the ids (if any) may be renumbered or reused, so the message is also known by its content.
    via: who relayed the command when it was not typed in a chat — the desk's `[网页] 张三` (a form on a finding's
        page, bot/web/acts.py): the ledger's events record it before the command (`recorded`). Never set by a
        transport, so no chat message can claim to come from the desk (a card button's command is recorded with
        its own mark: `recorded`).
    person_id: the roster person acting, when the core is told who (a logged-in desk account) rather than finding
        them by `sender`'s chat binding (a person on the roster may use the desk without being bound in chat).
    quoted: the text of the message this one quotes (WeCom's quote), when it quotes one: a command that names no
        finding takes it from there (the bot's own notices name it). Its photos, fetched, are among `files`.
    files_lost: how many photos of the message (or of the one it quotes) the transport could not fetch (a media
        URL expired, content that would not decrypt): the sender is asked to send them again.
    event: a platform event that is no typed message: `enter_chat` (text empty) — the person opened the private
        chat with the bot (WeCom tells it once a day); the core answers with a short welcome. CARD_CLICK — a
        button (bot.messages.Button) tapped: `text` is its command, run as the clicker's own; a refusal is told to
        the clicker alone.
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
    text_length: int | None = None
    via: str | None = None
    person_id: int | None = None
    quoted: str | None = None
    files_lost: int = 0
    event: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("Inbound.at must be timezone-aware")
        if len(self.text) > TEXT_CAP:
            object.__setattr__(self, "text_length", max(len(self.text), self.text_length or 0))
            object.__setattr__(self, "text", self.text[:TEXT_CAP])

    @property
    def recorded(self) -> str:
        """The text an event records as its raw text: the command, and who relayed it when not a chat."""
        if self.event == CARD_CLICK:
            return f"{self.text} {CARD_MARK}"
        return f"{self.via}：{self.text}" if self.via else self.text

    @property
    def length(self) -> int:
        """How many characters the text had as sent."""
        return self.text_length if self.text_length is not None else len(self.text)


CARD_CLICK = "template_card_event"  # Inbound.event of a button tapped on a card: `text` is the button's command
CARD_MARK = "[卡片按钮]"  # after a card button's command in the events' raw text (as the desk's `[网页]` before its)


@dataclass(frozen=True)
class Button:
    """A button under a message that runs `command` as the clicker's own (`#验收 Q3 通过`) — where the platform has
    buttons (WeCom's template cards); elsewhere the message's text says what to type instead."""

    label: str
    command: str


def card_id(key: str) -> str:
    """The id of the card that carries the buttons of the message queued under `key` (WeCom's task_id: letters,
    digits and `_-@`, at most 128 bytes): written on its outbox row as it is queued, so a tap — after a restart
    too — finds the message the card showed."""
    return "t_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


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
    buttons: tuple[Button, ...] = ()
