"""The outbox: replies and reminders are rows written in the same transaction as the change behind them (store),
drained in order within the platform's rate limits, retried, never sent twice (sender)."""
from bot.outbox.delivery import Delivery, RateLimits, TransportError
from bot.outbox.sender import OutboxSender
from bot.outbox.store import (
    cancel_pending,
    carried_card,
    enqueue,
    enqueue_many,
    pending_keys,
    row_outbound,
    update_pending,
)

__all__ = ["Delivery", "OutboxSender", "RateLimits", "TransportError", "cancel_pending", "carried_card", "enqueue",
           "enqueue_many", "pending_keys", "row_outbound", "update_pending"]
