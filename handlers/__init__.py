"""Command handlers: one module per group of commands. `dispatch` routes a parsed command to its handler.

A handler receives a parsed command and a Context, checks permission through bot.domain.permissions,
changes state through ctx.session (the caller owns the transaction) and returns Replies. It raises
UserError for anything the sender should be told instead.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.handling import Context, Reply
from bot.parsing import commands as c
from handlers import cycle, export, findings, help, queries, rectification, roster, submissions, verification

Handler = Callable[[object, Context], Awaitable[list[Reply]]]

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
    c.Bind: roster.bind,
    c.BindRoom: roster.bind_room,
}


async def dispatch(command: c.Command, ctx: Context) -> list[Reply]:
    """Every command type has a route (tests/test_parser.py checks), so a missing one is a bug, not a reply."""
    return await ROUTES[type(command)](command, ctx)


photos = rectification.photos
