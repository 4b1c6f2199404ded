"""WeCom's answers as TransportErrors: retried with backoff, or permanent (the outbox's dead letters)."""
from __future__ import annotations

from typing import Any

import bot.transports.wecom.frames as frames
from bot.transports.contract import TransportError


def check_ack(ack: dict[str, Any], what: str) -> None:
    """Raise for an ack with a non-zero errcode."""
    code = int(ack.get("errcode", 0) or 0)
    if code == 0:
        return
    message = str(ack.get("errmsg", ""))
    if code in frames.RATE_LIMITED:
        raise TransportError(f"WeCom rate-limited {what}: errcode {code} ({message})")
    permanent = code in frames.PERMANENT or "invalid chatid" in message.lower()
    raise TransportError(f"WeCom refused {what}: errcode {code} ({message})", permanent=permanent)


def as_transport_error(error: BaseException, what: str) -> TransportError:
    if isinstance(error, TransportError):
        return error
    if isinstance(error, TimeoutError):
        return TransportError(f"WeCom did not acknowledge {what} in time")
    return TransportError(f"{what} failed: {error}")
