"""The outbox: replies and reminders are rows written in the same transaction as the change behind them (store),
drained in order within the platform's rate limits, retried, never sent twice (sender)."""
from bot.outbox.delivery import Delivery, RateLimits, TransportError
from bot.outbox.sender import OutboxSender
from bot.outbox.store import enqueue, enqueue_many, row_outbound

__all__ = ["Delivery", "OutboxSender", "RateLimits", "TransportError", "enqueue", "enqueue_many", "row_outbound"]
