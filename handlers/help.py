"""#帮助 [命令], and the answer to a #word we do not know."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action, what_they_may_do
from bot.routing import Router

router = Router("help")


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Unknown:
    """Addressed to the bot (#…), but no command we know."""

    word: str
    text: str = field(default="", compare=False)  # everything after the trigger: it may hold a command after all


def parse_help(word: str, rest: str) -> Help:
    return Help(topic=rest.lstrip("#").strip() or None)


@router.command(Help, "帮助", parse=parse_help, action=Action.HELP, strangers=True, unbound="anyone", on_empty=True)
async def help_(cmd: Help, ctx: CommandContext) -> list[Reply]:
    if cmd.topic is None:
        return [Reply("help/overview.j2", dict(who=what_they_may_do(ctx.actor), bot=ctx.settings.bot_name))]
    topic = ctx.commands.topic_of(cmd.topic)
    if topic is None:
        raise UserError("help/unknown_topic.j2", topic=cmd.topic, topics=list(ctx.commands.topics))
    return [Reply(ctx.commands.topics[topic], {})]


@router.command(Unknown, parse=lambda word, rest: Unknown(word=word, text=rest), action=None, strangers=True,
                fallback=True)
async def unknown(cmd: Unknown, ctx: CommandContext) -> list[Reply]:
    """No such command — unless the words hold one in the wrong form: then the right form."""
    hint = ctx.commands.suggest(cmd.text) if ctx.actor.known else None
    if hint:
        return [Reply("help/near_command.j2", dict(suggestion=hint))]
    return [Reply("help/unknown_command.j2", dict(word=cmd.word))]
