"""The sweep: ask every rule what is due now and queue it, each notice once, in the caller's transaction.

A rule is `async def rule(ctx: Context) -> list[Notice]`: a function of the database and the clock (the rules, in
order, are in reminders/rules.py). It may call `notify.record_skipped` for steps the bot caught up past. The sweep
runs only when the bot may speak (a working day, outside quiet hours); what fell on a holiday is simply still due
at the next sweep. The App (bot/app.py) runs it in one transaction, under the same lock as messages.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.contract import Context, Notice
from reminders import notify, rules
from reminders.timing import may_speak

Rule = Callable[[Context], Awaitable[list[Notice]]]


async def sweep(ctx: Context) -> int:
    """Queue everything due at ctx.now; returns how many notices were queued."""
    if not may_speak(ctx.now, ctx.roster):
        return 0
    queued = 0
    for rule in rules.RULES:
        queued += await notify.send_all(ctx.session, ctx.renderer, await rule(ctx), ctx.now)
    return queued
