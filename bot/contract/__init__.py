"""What handlers and reminder rules receive (Context) and give back (Reply, Later, Notice, UserError)."""
from bot.contract.context import CommandContext, Context
from bot.contract.replies import Covered, Later, Notice, Reply, UserError, to_outbound

__all__ = ["CommandContext", "Context", "Covered", "Later", "Notice", "Reply", "UserError", "to_outbound"]
