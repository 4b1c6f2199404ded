"""#周报 / #通报: the office's weekly digest or this month's 通报 draft, on demand."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.permissions import Action
from bot.handling import CommandContext, Reply, UserError
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.weekly_digest import WEEKLY_TEMPLATE, weekly_digest_values
from bot.routing import Router
from handlers.common import need
from handlers.reach import shows_all

router = Router("documents")
KINDS = {"周报": "weekly", "通报": "bulletin"}


@dataclass(frozen=True)
class Digest:
    """#周报 / #通报 on demand."""

    kind: str  # weekly / bulletin


@router.command(Digest, "周报", "通报", parse=lambda word, rest: Digest(kind=KINDS[word]), action=Action.DIGEST,
                help={"周报": "help/weekly.j2", "通报": "help/bulletin.j2"})
async def digest(cmd: Digest, ctx: CommandContext) -> list[Reply]:
    """#周报 / #通报: the weekly digest, or this month's 通报 draft so far (the office, in its room or privately)."""
    need(ctx, Action.DIGEST)
    if not shows_all(ctx):
        raise UserError("digests/office_room_only.j2")
    if cmd.kind == "weekly":
        return [Reply(WEEKLY_TEMPLATE, await weekly_digest_values(ctx.session, ctx.roster, ctx.now))]
    return [Reply(BULLETIN_TEMPLATE, await bulletin_values(ctx.session, ctx.roster, ctx.now))]
