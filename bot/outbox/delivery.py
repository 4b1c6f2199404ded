"""What the outbox needs of a transport to deliver through it: the contract's lower half (a transport adds how it
receives, see bot.transports.contract)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Outbound


class TransportError(Exception):
    """Delivery failed; the outbox retries with backoff (permanent=True: do not retry)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class RateLimits:
    """How fast the outbox may send through a transport (None = unlimited)."""

    per_room_interval: float | None = None  # seconds between two messages to the same room
    between_rooms_interval: float | None = None  # seconds between messages to different rooms
    per_minute: int | None = None  # messages per rolling minute overall
    room_per_minute: int | None = None  # messages per rolling minute to one room (or person)
    room_per_hour: int | None = None  # messages per rolling hour to one room (or person)


class Delivery(Protocol):
    """A platform the outbox sends through."""

    limits: RateLimits

    @property
    def connected(self) -> bool:
        """False while the platform is unreachable: the outbox waits instead of failing."""
        ...

    async def send(self, out: Outbound) -> None:
        """Deliver one message; raise TransportError on failure."""
        ...
