"""The period a report command names (#考核, #学校考核: any period; #通报, #印发通报: a month): read by
bot.parsing.periods (this month when none), and the answer for a period that ended before the ledger's first
record — never a table of zeros."""
from __future__ import annotations

from datetime import date

from bot.contract import CommandContext, UserError
from bot.domain import figures
from bot.parsing.periods import Period, PeriodError, month_period, parse_period
from bot.reports import as_of


def period_asked(ctx: CommandContext, text: str) -> Period:
    """The period `text` names, this month when empty; a text that names none is a polite UserError."""
    if not text:
        return month_period(ctx.today.replace(day=1))
    try:
        return parse_period(text, ctx.today, ctx.roster.terms)
    except PeriodError as err:
        raise UserError("errors/period_bad.j2", **err.values(ctx.roster.terms)) from None


async def not_before_the_first_record(ctx: CommandContext, first: date, last: date, label: str) -> None:
    """A period that ended before the ledger's first record: say there is nothing yet, not a table of zeros."""
    start = await as_of.first_record(ctx.session)
    end = figures.day_end(last, ctx.roster.tz)
    if (start is None and end <= ctx.now) or (start is not None and end <= start):
        raise UserError("digests/nothing_yet.j2", label=label, first=ctx.local(start).date() if start else None)


def month_asked(ctx: CommandContext, text: str, *, strict: bool) -> Period:
    """The month asked for (this month when none). The text draft has always ignored words it does not know;
    the document says what it could not read."""
    if not text:
        return month_period(ctx.today.replace(day=1))
    try:
        return parse_period(text, ctx.today, ctx.roster.terms, months_only=True)
    except PeriodError as err:
        if strict or err.why in ("future", "not_month"):
            raise UserError("errors/period_bad.j2", **err.values(ctx.roster.terms)) from None
        return month_period(ctx.today.replace(day=1))
