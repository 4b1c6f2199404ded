"""The contract between the core and a transport."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.messages import Outbound

if TYPE_CHECKING:
    from bot.app import App


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


class Transport(Protocol):
    name: str
    limits: RateLimits

    @property
    def connected(self) -> bool:
        """False while the platform is unreachable: the outbox waits instead of failing."""
        ...

    async def run(self, app: App) -> None:
        """Receive until stopped, calling `await app.handle(inbound)` for each message."""
        ...

    async def send(self, out: Outbound) -> None:
        """Deliver one message; raise TransportError on failure."""
        ...

    async def stop(self) -> None:
        ...
