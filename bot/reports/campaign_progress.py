"""A 专项督导 campaign's progress (bot/obligations/campaigns.py): the schools it covers, done or not, who checks
them, and the items found 不符合 at each — for #专项进度, the desk's /campaigns, the reminders and the 通报.

A school is done when every item of the checklist has a result. Plain dicts, no chat."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from bot.domain.roster import Roster, SchoolInfo
from bot.ledger import lifecycle as ledger
from bot.obligations.campaigns import FAIL, CampaignInfo, Result, complete, results
from bot.storage import models as m
from bot.storage.session import Session


def failed_items(campaign: CampaignInfo, recorded: dict[int, Result], numbers: dict[int, int]) -> list[dict]:
    """The items found 不符合 at one school: the item, the note, the finding's ref."""
    return [dict(number=i.number, item=i.title, note=recorded[i.id].note,
                 ref=ledger.ref(numbers[f]) if (f := recorded[i.id].finding_id) in numbers else "",
                 finding=numbers.get(f) if f else None)
            for i in campaign.items if i.id in recorded and recorded[i.id].result == FAIL]


def unrecorded(campaign: CampaignInfo, recorded: dict[int, Result]) -> list[str]:
    return [i.label for i in campaign.items if i.id not in recorded]


async def finding_numbers(session: Session, ids: Iterable[int | None]) -> dict[int, int]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.execute(select(m.Finding.id, m.Finding.number).where(m.Finding.id.in_(wanted)))
    return {i: n for i, n in rows.all()}


async def progress(session: Session, roster: Roster, campaign: CampaignInfo,
                   school_ids: Iterable[int] | None = None, before: datetime | None = None) -> dict:
    """Every covered school (only `school_ids` when given) with its state (as it stood just before `before`, when
    given), and the totals by district."""
    wanted = None if school_ids is None else set(school_ids)
    schools = [s for s in campaign.schools(roster) if wanted is None or s.id in wanted]
    found = await results(session, campaign.id, before=before)
    numbers = await finding_numbers(session, (r.finding_id for by in found.values() for r in by.values()))
    assigned = campaign.assigned(roster)
    rows = [_row(roster, campaign, s, found.get(s.id, {}), numbers, assigned) for s in schools]
    return dict(campaign=campaign, rows=rows, districts=_districts(roster, rows), due=len(rows),
                done=sum(1 for r in rows if r["done"]), failed=sum(len(r["failed"]) for r in rows),
                items=[dict(number=i.number, title=i.title, failed=sum(
                    1 for r in rows for f in r["failed"] if f["number"] == i.number)) for i in campaign.items])


def _row(roster: Roster, campaign: CampaignInfo, school: SchoolInfo, recorded: dict[int, Result],
         numbers: dict[int, int], assigned: dict) -> dict:
    district = roster.districts.get(school.district_id)
    return dict(school=school.name, display=school.display, school_id=school.id,
                district=district.name if district else "", district_id=school.district_id,
                checkers=[p.name for p in assigned.get(school.id, [])], done=complete(campaign, recorded),
                recorded=len(recorded),
                results={i.number: recorded[i.id].result for i in campaign.items if i.id in recorded},
                failed=failed_items(campaign, recorded, numbers),
                unrecorded=unrecorded(campaign, recorded),
                last=max((r.at for r in recorded.values()), default=None))


def _districts(roster: Roster, rows: list[dict]) -> list[dict]:
    by: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["district_id"]].append(r)
    out = [dict(name=roster.districts[d].name if d in roster.districts else "", due=len(rs),
                done=sum(1 for r in rs if r["done"]), failed=sum(len(r["failed"]) for r in rs),
                missing=[r["display"] + (f"（{'、'.join(r['checkers'])}）" if r["checkers"] else "")
                         for r in rs if not r["done"]])
           for d, rs in by.items()]
    return sorted(out, key=lambda d: d["name"])
