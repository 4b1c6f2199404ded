"""专项督导 campaigns' reminders, as for the start-of-term checks (reminders/terms.py, whose schedule and district
notices they share): at the window's first working day each district room hears who is to check which of its
covered schools; in the window's last days only the checkers of schools not yet complete are reminded; on the first
working day after the window the office room gets done / due by district and the missing list (each school with
its checkers). Who checks: the people the campaign names, else each school's responsible supervisors; a checker on
leave is not @-mentioned, their district lead is asked instead. Each step once, ever (keyed by the campaign's id).
"""
from __future__ import annotations

from bot.contract import Context, Notice
from bot.obligations.campaigns import CampaignInfo, campaigns, complete, results
from bot.reports.campaign_progress import progress
from bot.reports.lists import shown
from reminders.steps import epoch, office_room, take
from reminders.terms import Owing, district_notices, steps_owed

TEMPLATES = dict(open="campaigns/open.j2", remind="campaigns/remind.j2")


async def campaigns_rule(ctx: Context) -> list[Notice]:
    since = await epoch(ctx.session, ctx.now)
    notices: list[Notice] = []
    for campaign in await campaigns(ctx.session):
        owing = _owing(campaign)
        for step, key in await steps_owed(ctx, owing, since):
            if step == "report":
                notices += await _report(ctx, campaign)
            else:
                found = await results(ctx.session, campaign.id)
                done = {sid for sid, recorded in found.items() if complete(campaign, recorded)}
                notices += await district_notices(ctx, owing, step, campaign.schools(ctx.roster), done,
                                                  campaign.assigned(ctx.roster))
                take(ctx.session, key, "campaign", ctx.now)
    return notices


def _owing(campaign: CampaignInfo) -> Owing:
    return Owing(key=f"campaign:{campaign.id}", kind="campaign", opens=campaign.starts, closes=campaign.ends,
                 templates=TEMPLATES, values=dict(name=campaign.name, kind=campaign.kind,
                                                  items=[i.label for i in campaign.items]))


async def _report(ctx: Context, campaign: CampaignInfo) -> list[Notice]:
    room = office_room(ctx.roster)
    if room is None:
        return []
    found = await progress(ctx.session, ctx.roster, campaign)
    districts = [dict(d, missing_count=len(d["missing"]), **shown(d["missing"])) for d in found["districts"]]
    districts.sort(key=lambda d: (-d["missing_count"], d["name"]))
    values = dict(name=campaign.name, starts=campaign.starts, ends=campaign.ends, due=found["due"],
                  done=found["done"], failed=found["failed"], districts=districts,
                  rate=round(100 * found["done"] / found["due"]) if found["due"] else 100)
    return [Notice(key=f"campaign:{campaign.id}:report", kind="campaign", template="campaigns/report.j2",
                   values=values, room=room)]
