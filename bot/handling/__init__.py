"""What handlers and reminder rules share: the context they get and what they give back."""
from bot.handling.context import CommandContext, Context
from bot.handling.replies import Covered, Later, Notice, Reply, UserError, to_outbound

__all__ = ["CommandContext", "Context", "Covered", "Later", "Notice", "Reply", "UserError", "to_outbound"]
