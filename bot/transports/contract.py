"""The contract between the app and a transport, both ways.

A transport gets an `Inlet` — just what it needs of the bot: hand a message in, wake (or drain) the outbox, ask
when the last message was handled, read the roster snapshot — never the app itself. The outbox delivers through
the transport's `send` within its `limits` (bot.outbox.delivery is that half of the contract).
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.roster import Roster
from bot.messages import Inbound, Outbound
from bot.outbox.delivery import RateLimits, TransportError

__all__ = ["Inlet", "OfflineSender", "RateLimits", "Transport", "TransportError"]


class Inlet(Protocol):
    """The door into the bot that a transport holds."""

    async def handle(self, inbound: Inbound) -> bool:
        """Handle one message once (False: a duplicate, or not handled); its replies are queued in the outbox."""
        ...

    async def handle_many(self, inbounds: list[Inbound]) -> list[bool]:
        """Handle messages that arrived together, in order, in as few transactions as the app can (group commit);
        raises when the app could not take them (then none or some were handled: handing them again is safe)."""
        ...

    def wake_outbox(self) -> None:
        """Something may be sendable now (the platform came back)."""
        ...

    async def drain_outbox(self) -> int:
        """Send what is queued now and wait for it (the console prints replies before its next prompt)."""
        ...

    async def last_handled_at(self) -> datetime | None:
        """The platform time of the newest message handled (a reconnect skips replayed history before it)."""
        ...

    async def roster(self) -> Roster:
        """The current roster snapshot (names of rooms and people)."""
        ...

    async def card(self, card: str) -> Outbound | None:
        """The message whose buttons went out on card `card` (bot.messages.card_id; its outbox row): a tap's
        answer updates the card with it — after a restart too."""
        ...

    async def spoken_privately(self, chat_ids: list[str]) -> set[str]:
        """Which of `chat_ids` have written to the bot in a private chat (recorded for good)."""
        ...


class Transport(Protocol):
    name: str
    limits: RateLimits

    @property
    def connected(self) -> bool:
        """False while the platform is unreachable: the outbox waits instead of failing."""
        ...

    async def run(self, inlet: Inlet) -> None:
        """Receive until stopped, calling `await inlet.handle(inbound)` for each message."""
        ...

    async def send(self, out: Outbound) -> None:
        """Deliver one message; raise TransportError on failure."""
        ...

    async def stop(self) -> None:
        ...


class OfflineSender(Protocol):
    """What a transport may offer besides (WeCom: a room's group robot webhook): a short text sent while the
    connection is down — the health alerts use it (bot/cli/health.py); TransportError when it cannot."""

    async def send_without_connection(self, out: Outbound, webhook_key: str | None = None) -> None:
        """`webhook_key`: the room's group robot key as the caller knows it (else the transport looks it up)."""
        ...
