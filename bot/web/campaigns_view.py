"""/campaigns: the 专项督导 campaigns the viewer may see (any school of theirs covered), and one campaign's progress
— each school the viewer may see: done or not, who checks, how many items are recorded, the items found 不符合 with
their findings. What a campaign covers and its progress are bot.obligations.campaigns' and
bot.reports.campaign_progress'; the office gets the campaign's 通报 (Word) from here."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.obligations.campaigns import CampaignInfo, campaigns, scope_label
from bot.reports.campaign_progress import progress
from bot.web.page import render
from bot.web.viewer import Viewer

STATES = {"open": "进行中", "closed": "已结束", "upcoming": "尚未开始"}


def visible_ids(viewer: Viewer, campaign: CampaignInfo) -> set[int]:
    covered = {s.id for s in campaign.schools(viewer.roster)}
    return covered if viewer.school_ids is None else covered & viewer.school_ids


async def campaigns_page(request: Request, viewer: Viewer) -> Response:
    roster = viewer.roster
    today = request.app.state.clock.now().astimezone(roster.tz).date()
    async with request.app.state.db.reading() as session:
        every = [c for c in await campaigns(session) if visible_ids(viewer, c)]
        asked = request.query_params.get("id", "").strip()
        chosen = next((c for c in every if str(c.id) == asked), None) if asked else None
        found = await progress(session, roster, chosen, visible_ids(viewer, chosen)) if chosen else None
    rows = [dict(id=c.id, name=c.name, kind=c.kind, starts=c.starts, ends=c.ends, state=STATES[c.state(today)],
                 scope=scope_label(c, roster), items=len(c.items)) for c in reversed(every)]
    return render(request, "campaigns.html", viewer=viewer, campaigns=rows, found=found, understood=not asked or
                  chosen is not None, chosen=chosen, state=STATES[chosen.state(today)] if chosen else "",
                  scope=scope_label(chosen, roster) if chosen else "", today=today.isoformat())
