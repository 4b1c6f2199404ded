"""A 专项督导 campaign's 通报 as a Word document: coverage (schools done / due by district), the findings by item
and by school, and their rectification — every figure as of a day (bot.reports.as_of: the campaign's findings
as they stood at that day's end, never "now"; the checklist results as they stood then).

The template shipped is bot/data/campaign-template.docx (built by tools/make_campaign_template.py, editable in Word
like the monthly one: CAMPAIGN_TEMPLATE points at an office's copy); it is rendered by
bot.reports.bulletin_doc.write_bulletin_doc, with the same refusal of a template that cannot be used."""
from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import ColumnElement

from bot.domain import figures
from bot.domain.roster import Roster
from bot.obligations.campaigns import FAIL, NA, PASS, CampaignInfo
from bot.reports import as_of
from bot.reports.bulletin_doc import DRAFT_MARK, date_cn, draft_number
from bot.reports.campaign_progress import progress
from bot.storage import models as m
from bot.storage.session import Session

CAMPAIGN_TEMPLATE = Path(str(resources.files("bot") / "data" / "campaign-template.docx"))
CAMPAIGN_TEXT = "campaigns/bulletin_text.j2"  # the chat text of an issued 专项督导通报 (bot.reports.issued)
ZERO = dict.fromkeys(figures.COUNTED, 0)


async def campaign_doc_values(session: Session, roster: Roster, campaign: CampaignInfo, day: date,
                              now: datetime) -> dict:
    """Everything the template prints, as of the end of `day` (today's end at most: nothing after now counts) — as a
    draft (草稿, the 文号 left blank); bot.reports.issued writes in the 文号 and 印发日期 when it is issued."""
    t = min(figures.day_end(day, roster.tz), now)
    found = await progress(session, roster, campaign, before=t)
    window = as_of.Window(as_of.EPOCH, t, t >= now)
    tally = await as_of.tally(session, roster, window, now, where=m.Finding.campaign_id == campaign.id)
    totals = as_of.total(tally.schools.values()) if tally.schools else dict(ZERO)
    items = await _items(session, roster, window, now, campaign, found)
    return dict(
        office=roster.office_name, title=f"关于{campaign.name}情况的通报", name=campaign.name, kind=campaign.kind,
        starts=date_cn(campaign.starts), ends=date_cn(campaign.ends), as_of=date_cn(day), issue_date=date_cn(day),
        issue_year=day.year, due=found["due"], done=found["done"], rate=figures.percent(found["done"], found["due"]),
        districts=found["districts"], items=items, schools=_schools(found, tally),
        totals=dict(totals, **figures.rates(totals)), notes="；".join(figures.footnotes(("rate",))),
        number=draft_number(day.year), draft_mark=DRAFT_MARK, correction=None)  # a draft, until issued


async def _items(session: Session, roster: Roster, window: as_of.Window, now: datetime, campaign: CampaignInfo,
                 found: dict) -> list[dict]:
    """Each checklist item: how many schools were 符合 / 不符合 / 不适用, and its findings' rectification at t."""
    rows = []
    for item in campaign.items:
        results = [r["results"].get(item.number) for r in found["rows"]]
        numbers = [f["finding"] for r in found["rows"] for f in r["failed"]
                   if f["number"] == item.number and f["finding"]]
        state = await _state(session, roster, window, now, m.Finding.number.in_(numbers)) if numbers else dict(ZERO)
        rows.append(dict(number=item.number, title=item.title, passed=results.count(PASS), failed=results.count(FAIL),
                         na=results.count(NA), closed=state["closed"], open=state["open"],
                         overdue=state["rectify_overdue"]))
    return rows


async def _state(session: Session, roster: Roster, window: as_of.Window, now: datetime,
                 where: ColumnElement[bool]) -> dict:
    tally = await as_of.tally(session, roster, window, now, where=where)
    return as_of.total(tally.schools.values()) if tally.schools else dict(ZERO)


def _schools(found: dict, tally: as_of.Tally) -> list[dict]:
    """Each school with an item 不符合: the items, their findings, and how many are closed at t."""
    out = []
    for row in found["rows"]:
        if not row["failed"]:
            continue
        state = tally.schools.get(row["school_id"], ZERO)
        out.append(dict(school=row["school"], district=row["district"],
                        failing="；".join(f"{f['number']}.{f['item']}" for f in row["failed"]),
                        refs="、".join(f["ref"] for f in row["failed"] if f["ref"]), count=len(row["failed"]),
                        closed=state["closed"], open=state["open"], overdue=state["rectify_overdue"]))
    return out
