"""What handlers and reminder rules share: the context they get, what they give back, and how a command is
declared beside its handler (router)."""
from bot.handling.context import CommandContext, Context
from bot.handling.replies import Covered, Notice, Reply, UserError, to_outbound

__all__ = ["CommandContext", "Context", "Covered", "Notice", "Reply", "UserError", "to_outbound"]
