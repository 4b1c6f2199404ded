"""Commands declared beside their handlers (Router) and compiled into the table the app parses and routes with
(Commands)."""
from bot.routing.router import Commands, CommandSpec, Router, Usage

__all__ = ["CommandSpec", "Commands", "Router", "Usage"]
