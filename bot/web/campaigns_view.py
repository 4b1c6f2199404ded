"""/campaigns: the 专项督导 campaigns the viewer may see (any school of theirs covered), and one campaign's progress
— each school the viewer may see: done or not, who checks, how many items are recorded, the items found 不符合 with
their findings. What a campaign covers and its progress are bot.obligations.campaigns' and
bot.reports.campaign_progress'; the office gets the campaign's 通报 (Word) from here."""
from __future__ import annotations

import io
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.domain.permissions import Action, can
from bot.obligations.campaigns import CampaignInfo, campaigns, scope_label
from bot.render import Renderer
from bot.reports.bulletin_doc import TemplateUnusable, write_bulletin_doc
from bot.reports.campaign_doc import CAMPAIGN_TEMPLATE, campaign_doc_values
from bot.reports.campaign_progress import progress
from bot.web.documents_view import DOCX, attachment
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


async def campaign_docx(request: Request, viewer: Viewer) -> Response:
    """/campaigns/{id}.docx?as_of=2024-03-20: the campaign's 通报 as of that day (today when none) — the office's."""
    if not can(viewer.actor, Action.DIGEST):
        return render(request, "refused.html", code=403, viewer=viewer, what="bulletin")
    roster, now = viewer.roster, request.app.state.clock.now()
    today = now.astimezone(roster.tz).date()
    day, problem = _day(request.query_params.get("as_of", "").strip()[:20], today)
    if problem:
        return render(request, "refused.html", code=400, viewer=viewer, what="period", message=problem)
    async with request.app.state.db.reading() as session:
        campaign = next((c for c in await campaigns(session) if c.id == request.path_params["id"]), None)
        if campaign is None:
            raise HTTPException(404)
        values = await campaign_doc_values(session, roster, campaign, day, now)
    buffer = io.BytesIO()
    try:
        await run_in_threadpool(write_bulletin_doc, values, buffer,
                                request.app.state.settings.campaign_template or CAMPAIGN_TEMPLATE)
    except TemplateUnusable as err:
        message = Renderer().render("digests/bulletin_template_bad.j2", **err.values())
        return render(request, "refused.html", code=500, viewer=viewer, what="template", message=message)
    return Response(buffer.getvalue(), media_type=DOCX, headers={"content-disposition": attachment(
        f"{campaign.name}通报.docx", f"campaign-{campaign.id}-{day.isoformat()}.docx")})


def _day(text: str, today: date) -> tuple[date, str | None]:
    """The day asked for (today when none) and, when it cannot be used, what to say."""
    if not text:
        return today, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return today, Renderer().render("campaigns/bad_day.j2", value=text)
    if day > today:
        return today, Renderer().render("campaigns/as_of_future.j2", day=day)
    return day, None
