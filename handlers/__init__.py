"""Command handlers: one module per group of commands. `dispatch` routes a parsed command to its handler.

A handler receives a parsed command and a CommandContext, checks permission through bot.domain.permissions,
changes state through ctx.session (the caller owns the transaction) and returns Replies. It raises
UserError for anything the sender should be told instead.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.handling import CommandContext, Reply
from bot.parsing import commands as c
from bot.parsing.parser import parse
from handlers import binding, cycle, export, findings, help, queries, rectification, submissions, verification

Handler = Callable[[object, CommandContext], Awaitable[list[Reply]]]

ROUTES: dict[type, Handler] = {
    c.NewFinding: findings.log_finding,
    c.Withdraw: findings.withdraw,
    c.Extend: findings.extend,
    c.Rectify: rectification.rectify,
    c.Verify: verification.verify,
    c.Query: queries.query,
    c.ListFindings: queries.list_findings,
    c.Stats: queries.stats,
    c.Export: export.export,
    c.Visit: submissions.visit,
    c.Submit: cycle.submit,  # #自查 / #月报 / #汇总 text → submissions.submit; bare #汇总 and #汇总 确认 → the draft
    c.TermCheck: cycle.term_check,
    c.Digest: cycle.digest,
    c.Leave: cycle.leave,
    c.EndLeave: cycle.end_leave,
    c.Help: help.help_,
    c.Unknown: help.unknown,
    c.Bind: binding.bind,
    c.BindRoom: binding.bind_room,
}


async def dispatch(command: c.Command, ctx: CommandContext) -> list[Reply]:
    """Every command type has a route (tests/test_parser.py checks), so a missing one is a bug, not a reply."""
    return await ROUTES[type(command)](command, ctx)


UNBOUND_ROOM_COMMANDS = (c.Help, c.BindRoom)
OPEN_TO_STRANGERS = (c.Help, c.Bind, c.Unknown)


def _room_bound(ctx: CommandContext) -> bool:
    return ctx.private or (ctx.room is not None and ctx.room.scope is not None)


async def route(ctx: CommandContext) -> list[Reply]:
    inbound = ctx.inbound
    if inbound.files and ctx.actor.known and _room_bound(ctx):
        return await rectification.photos(ctx)
    if not inbound.text:
        return []
    command = parse(inbound.text, ctx.settings.bot_name, private=ctx.private, mentions_bot=inbound.mentions_bot)
    if command is None:
        return [Reply("help/private_hint.j2", {})] if ctx.private else []
    if not _room_bound(ctx) and not isinstance(command, UNBOUND_ROOM_COMMANDS):
        return []
    if not _room_bound(ctx) and isinstance(command, c.BindRoom) and not ctx.actor.is_office:
        return []
    if not ctx.actor.known and not isinstance(command, OPEN_TO_STRANGERS):
        return [Reply("refusals/not_allowed.j2", dict(who="unknown", action="", school=""))]
    return await dispatch(command, ctx)
