"""The operator's command line speaks Chinese: each line rendered from templates/cli/say.j2."""
from __future__ import annotations

from bot.render import Renderer


def say(what: str, **values: object) -> str:
    return Renderer().render("cli/say.j2", what=what, **values)
