"""#帮助 [命令], and the answer to a #word we do not know.

The overview (a bare #帮助) is made from the command table: each command's declared usage (bot.routing.Usage),
for the commands the sender's role may use (bot.domain.permissions.role_may), in the routers' order, each with an
example naming the school of this room or the sender's own; in a room bound to no scope it says where they work.
Nothing in it is written by hand.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.contract import CommandContext, Reply, UserError
from bot.contract.context import HelpTopics
from bot.domain.permissions import OPEN_TO_ALL, Action, role_may, what_they_may_do
from bot.routing import Router, Usage

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


EXAMPLE_SCHOOL = "城口中学"  # the school the declared examples name; shown as the sender's own school


def overview(commands: HelpTopics, who: str, school: str = EXAMPLE_SCHOOL,
             has: Callable[[str], bool] = bool) -> list[list[dict[str, str]]]:
    """The overview's lines for a role (what_they_may_do's answer), in the routers' order: one per command the role
    may use, its usages that role may (most commands have one) sharing the line. What everyone may (帮助, 绑定) is
    a stranger's list; a person on the roster is shown what their role may beyond it — they are bound already,
    and the overview's last line says how to ask for help on a command."""
    def shown(action: Action) -> bool:
        return role_may(who, action) and (who == "unknown" or action not in OPEN_TO_ALL)

    return [[dict(syntax=u.syntax, summary=u.summary, example=u.example.replace(EXAMPLE_SCHOOL, school)) for u in line]
            for line in commands.usages(shown, has)]


@router.command(Help, "帮助", parse=parse_help, action=Action.HELP, strangers=True, unbound="anyone", on_empty=True,
                usage=Usage("#帮助", "查看说明", example="#帮助 问题"))
async def help_(cmd: Help, ctx: CommandContext) -> list[Reply]:
    if cmd.topic is None:
        # in a room bound to no scope only #帮助 (and the office's #本群) are answered: the overview says so
        unbound = not ctx.private and ctx.actor.known and (ctx.room is None or ctx.room.scope is None)
        lines = overview(ctx.commands, what_they_may_do(ctx.actor), _their_school(ctx),
                         lambda setting: bool(getattr(ctx.settings, setting, None)))
        if ctx.inbound.event == "enter_chat":  # the private chat opened: a short welcome, their own commands
            return [Reply("help/welcome.j2", dict(lines=lines, bot=ctx.settings.bot_name, known=ctx.actor.known))]
        return [Reply("help/overview.j2", dict(lines=lines, bot=ctx.settings.bot_name, unbound=unbound,
                                               office=ctx.actor.is_office))]
    topic = ctx.commands.topic_of(cmd.topic)
    if topic is None:
        raise UserError("help/unknown_topic.j2", topic=cmd.topic, topics=list(ctx.commands.topics))
    return [Reply(ctx.commands.topics[topic], {})]


def _their_school(ctx: CommandContext) -> str:
    """The school the examples name: this school room's, else the sender's own (a principal's, a supervisor's first)
    — by its first short name, as people write it."""
    ids = [ctx.room.school_id] if ctx.room is not None and ctx.room.scope == "school" else []
    ids += [ctx.actor.school_id] if ctx.actor.school_id is not None else []
    ids += sorted(ctx.actor.supervised)
    school = next((ctx.roster.schools[i] for i in ids if i in ctx.roster.schools), None)
    if school is None:
        return EXAMPLE_SCHOOL
    return school.short_names[0] if school.short_names else school.name


@router.command(Unknown, parse=lambda word, rest: Unknown(word=word, text=rest), action=None, strangers=True,
                fallback=True)
async def unknown(cmd: Unknown, ctx: CommandContext) -> list[Reply]:
    """No such command — unless the words hold one in the wrong form: then the right form."""
    hint = (ctx.commands.near(cmd.text) or ctx.commands.suggest(cmd.text)) if ctx.actor.known else None
    if hint:
        return [Reply("help/near_command.j2", dict(suggestion=hint))]
    return [Reply("help/unknown_command.j2", dict(word=cmd.word))]
