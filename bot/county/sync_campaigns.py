"""The county file's 专项督导 campaigns into the database: matched by name; a new one is declared, one already there
(from an earlier load, or declared in chat) takes the file's window, kind, scope, checkers and checklist — an item's
title by its number; an item the file no longer lists goes only when no result names it. A file that lists
campaigns (a `campaigns:` key, a 专项督导 sheet) deactivates the file's campaigns it no longer names; one that
lists none leaves them as they are."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.county.schema import Campaign, CountyData
from bot.county.sync_report import SyncReport, deactivate_missing
from bot.domain.campaign_words import ScopeSpec, scope_from_names
from bot.storage import models as m
from bot.storage.session import Session

KIND = "campaigns"


async def sync_campaigns(session: Session, data: CountyData, districts: dict[str, m.District],
                         schools: dict[str, m.School], people: dict[str, m.Person], report: SyncReport,
                         now: datetime) -> None:
    if KIND not in data.model_fields_set:
        return
    by_name = {n: s for s in schools.values() if s.active for n in (s.name, *(s.short_names or ()))}
    district_ids = {name: d.id for name, d in districts.items() if d.active}
    district_of = {s.id: s.district_id for s in schools.values() if s.active}
    existing = {c.name: c for c in await session.scalars(select(m.Campaign))}
    for campaign in data.campaigns:
        scope, _ = scope_from_names(list(campaign.scope), district_ids,
                                    lambda n: by_name[n].id if n in by_name else None, district_of)
        checkers = [people[key].id for key in campaign.checkers if key in people]
        row = existing.get(campaign.name)
        if row is None:
            existing[campaign.name] = await _declare(session, campaign, scope, checkers, now)
            report.count(report.added, KIND)
        elif await _update(session, row, campaign, scope, checkers):
            report.count(report.updated, KIND)
    from_file = {name: row for name, row in existing.items() if row.source == "file"}
    deactivate_missing(from_file, {c.name for c in data.campaigns}, report, KIND)


async def _declare(session: Session, campaign: Campaign, scope: ScopeSpec, checkers: list[int],
                   now: datetime) -> m.Campaign:
    row = m.Campaign(name=campaign.name, kind=campaign.kind, starts=campaign.starts, ends=campaign.ends,
                     scope=scope.scope, scope_ids=list(scope.ids), checkers=checkers, source="file",
                     created_by=None, created_at=now, active=True)
    session.add(row)
    await session.flush()
    session.add_all(m.CampaignItem(campaign_id=row.id, number=n, title=t)
                    for n, t in enumerate(campaign.items, start=1))
    return row


async def _update(session: Session, row: m.Campaign, campaign: Campaign, scope: ScopeSpec,
                  checkers: list[int]) -> bool:
    """The file's values on a campaign already there; whether anything changed."""
    values = dict(kind=campaign.kind, starts=campaign.starts, ends=campaign.ends, scope=scope.scope,
                  scope_ids=list(scope.ids), checkers=checkers, source="file", active=True)
    changed = any(getattr(row, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(row, k, v)
    return await _items(session, row.id, list(campaign.items)) or changed


async def _items(session: Session, campaign_id: int, titles: list[str]) -> bool:
    items = {i.number: i for i in await session.scalars(
        select(m.CampaignItem).where(m.CampaignItem.campaign_id == campaign_id))}
    changed = False
    for number, title in enumerate(titles, start=1):
        item = items.get(number)
        if item is None:
            session.add(m.CampaignItem(campaign_id=campaign_id, number=number, title=title))
        elif item.title != title:
            item.title = title
        changed |= item is None or item.title != title
    gone = [i.id for n, i in items.items() if n > len(titles)]
    if gone:
        used = set(await session.scalars(select(m.CampaignResult.item_id).where(m.CampaignResult.item_id.in_(gone))))
        unused = [i for i in gone if i not in used]
        if unused:
            await session.execute(delete(m.CampaignItem).where(m.CampaignItem.id.in_(unused)))
            changed = True
    return changed
