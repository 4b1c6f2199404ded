"""专项督导 campaigns (docs/design.md "The office's formal work"): what a campaign is, which schools it covers, who
checks them, which campaign a word names, and each school's current results item by item.

A campaign has a kind (KINDS), a window of county days (both included: results are taken only inside it), the
schools it covers (all, districts, kindergartens, or a list of schools), a checklist and who checks (the schools'
responsible supervisors unless the campaign names people). A school's check is complete when every item has a
result; until then a later result for an item supersedes the earlier one. The start-of-term checks (#开学检查) stay
as they are (bot/obligations/term_windows.py); a campaign of kind 开学 is a start-of-term check with a checklist.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from bot.domain.campaign_words import (
    ALL,
    DISTRICTS,
    KINDERGARTENS,
    SCHOOLS,
    ScopeSpec,
    kind_named,
    scope_from_names,
)
from bot.domain.roster import PersonInfo, Roster, SchoolInfo
from bot.storage import models as m
from bot.storage.session import Session

PASS, FAIL, NA = "pass", "fail", "na"
RESULT_LABELS = {PASS: "符合", FAIL: "不符合", NA: "不适用"}
RESULT_WORDS = {"符合": PASS, "不符合": FAIL, "不适用": NA}
KINDERGARTEN = "幼儿园"  # the school type (schools.type) a kindergarten has


@dataclass(frozen=True)
class ItemInfo:
    id: int
    number: int
    title: str

    @property
    def label(self) -> str:
        return f"{self.number}.{self.title}"


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    name: str
    kind: str
    starts: date
    ends: date
    scope: str
    scope_ids: tuple[int, ...]
    checkers: tuple[int, ...]
    items: tuple[ItemInfo, ...]
    source: str = "chat"

    def state(self, today: date) -> str:
        """upcoming / open / closed."""
        return "upcoming" if today < self.starts else ("closed" if today > self.ends else "open")

    def schools(self, roster: Roster) -> list[SchoolInfo]:
        """The schools it covers now, by id."""
        ids = set(self.scope_ids)
        wanted: dict[str, Callable[[SchoolInfo], bool]] = {
            ALL: lambda s: True, KINDERGARTENS: lambda s: s.type == KINDERGARTEN,
            DISTRICTS: lambda s: s.district_id in ids, SCHOOLS: lambda s: s.id in ids}
        return sorted((s for s in roster.schools.values() if wanted[self.scope](s)), key=lambda s: s.id)

    def covers(self, roster: Roster, school_id: int) -> bool:
        return any(s.id == school_id for s in self.schools(roster))

    def assigned(self, roster: Roster) -> dict[int, list[PersonInfo]]:
        """School id → who is to check it: the people the campaign names, else its responsible supervisors."""
        if not self.checkers:
            return roster.supervisors_by_school
        people = [roster.people[p] for p in self.checkers if p in roster.people and roster.people[p].active]
        return {s.id: people for s in self.schools(roster)}

    def item(self, word: str) -> ItemInfo | None:
        """The item `word` names: its number, its title, or a fragment of exactly one title."""
        word = word.strip().rstrip(".、．:：")
        if word.isdigit():
            return next((i for i in self.items if i.number == int(word)), None)
        exact = next((i for i in self.items if i.title == word), None)
        if exact or len(word) < 2:
            return exact
        found = [i for i in self.items if word in i.title]
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Result:
    """A school's current result for one item."""

    item_id: int
    result: str  # pass / fail / na
    note: str
    person_id: int
    at: datetime
    finding_id: int | None
    row_id: int


def info(row: m.Campaign, items: Iterable[m.CampaignItem]) -> CampaignInfo:
    return CampaignInfo(row.id, row.name, row.kind, row.starts, row.ends, row.scope, tuple(row.scope_ids or ()),
                        tuple(row.checkers or ()),
                        tuple(sorted((ItemInfo(i.id, i.number, i.title) for i in items), key=lambda i: i.number)),
                        row.source)


async def campaigns(session: Session) -> list[CampaignInfo]:
    """Every active campaign, in the order of their windows."""
    rows = list(await session.scalars(select(m.Campaign).where(m.Campaign.active.is_(True))))
    items: dict[int, list[m.CampaignItem]] = defaultdict(list)
    if rows:
        for item in await session.scalars(select(m.CampaignItem).where(
                m.CampaignItem.campaign_id.in_([r.id for r in rows]))):
            items[item.campaign_id].append(item)
    return sorted((info(r, items[r.id]) for r in rows), key=lambda c: (c.starts, c.id))


@dataclass(frozen=True)
class CampaignMatch:
    campaign: CampaignInfo | None = None
    candidates: tuple[CampaignInfo, ...] = ()  # several fit: ask which


def find(every: list[CampaignInfo], word: str, today: date) -> CampaignMatch:
    """The campaign a word names: its full name, its kind, or a fragment of one name. Among several, the ones whose
    window is open today are preferred; still several: a question back, never a guess."""
    word = word.strip().strip("“”\"'")
    exact = [c for c in every if c.name.strip("“”\"'") == word or c.name == word]
    kind = kind_named(word)
    found = exact or [c for c in every if (kind and c.kind == kind) or (len(word) >= 2 and word in c.name)]
    if len(found) > 1:
        found = [c for c in found if c.state(today) == "open"] or found
    if len(found) == 1:
        return CampaignMatch(found[0])
    return CampaignMatch(candidates=tuple(found))


def choose(every: list[CampaignInfo], word: str | None, today: date) -> CampaignMatch:
    """The campaign `word` names (see `find`); without a word, the one campaign whose window is open today — else
    the candidates to ask about (those open, or every one)."""
    if word:
        return find(every, word, today)
    open_now = [c for c in every if c.state(today) == "open"]
    return CampaignMatch(open_now[0]) if len(open_now) == 1 else CampaignMatch(candidates=tuple(open_now or every))


async def results(session: Session, campaign_id: int, school_id: int | None = None,
                  before: datetime | None = None) -> dict[int, dict[int, Result]]:
    """School id → item id → its current result (as it stood just before `before`, when given)."""
    r = m.CampaignResult
    current = r.superseded_at.is_(None) if before is None else (
        (r.at < before) & (r.superseded_at.is_(None) | (r.superseded_at >= before)))
    q = select(r).where(r.campaign_id == campaign_id, current)
    if school_id is not None:
        q = q.where(m.CampaignResult.school_id == school_id)
    found: dict[int, dict[int, Result]] = defaultdict(dict)
    for row in await session.scalars(q.order_by(r.id)):
        found[row.school_id][row.item_id] = Result(row.item_id, row.result, row.note, row.person_id, row.at,
                                                   row.finding_id, row.id)
    return found


def complete(campaign: CampaignInfo, recorded: dict[int, Result]) -> bool:
    """Every item of the checklist has a result."""
    return all(i.id in recorded for i in campaign.items)


def roster_scope(names: list[str], roster: Roster, school_of: Callable[[str], SchoolInfo | None]
                 ) -> tuple[ScopeSpec, list[str]]:
    """bot.domain.campaign_words.scope_from_names over the roster (`school_of`: a school from what is typed)."""
    def school_id(name: str) -> int | None:
        school = school_of(name)
        return school.id if school else None

    return scope_from_names(names, {d.name: d.id for d in roster.districts.values()}, school_id,
                            {s.id: s.district_id for s in roster.schools.values()})


def scope_label(campaign: CampaignInfo, roster: Roster) -> str:
    """How the scope reads: 全县学校, 全县幼儿园, 第一责任区, or the schools' short names."""
    if campaign.scope == ALL:
        return "全县学校"
    if campaign.scope == KINDERGARTENS:
        return "全县幼儿园"
    if campaign.scope == DISTRICTS:
        return "、".join(roster.districts[d].name for d in campaign.scope_ids if d in roster.districts)
    return "、".join(roster.schools[s].display for s in campaign.scope_ids if s in roster.schools)


async def declare(session: Session, *, name: str, kind: str, starts: date, ends: date, scope: ScopeSpec,
                  items: list[str], checkers: list[int], source: str, created_by: int | None,
                  at: datetime) -> m.Campaign:
    """A new campaign and its checklist."""
    row = m.Campaign(name=name, kind=kind, starts=starts, ends=ends, scope=scope.scope, scope_ids=list(scope.ids),
                     checkers=list(checkers), source=source, created_by=created_by, created_at=at, active=True)
    session.add(row)
    await session.flush()
    session.add_all(m.CampaignItem(campaign_id=row.id, number=n, title=t) for n, t in enumerate(items, start=1))
    await session.flush()
    return row


async def campaign_named(session: Session, name: str) -> m.Campaign | None:
    return await session.scalar(select(m.Campaign).where(m.Campaign.name == name))
