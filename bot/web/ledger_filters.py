"""The ledger's filters, read from the query string: a value that means nothing (an unknown district, a school the
viewer may not see, a status that does not exist, a page that is not a number) is dropped and named, not obeyed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, not_, select, true
from starlette.datastructures import QueryParams

from bot.domain import figures, sources
from bot.domain.colour import BLUE_WITHIN_WORKDAYS
from bot.ledger import lifecycle as ledger
from bot.reports.aggregates import red_condition
from bot.storage import models as m
from bot.storage.session import Session
from bot.web.ledger_search import Search, read_search, text_condition
from bot.web.viewer import Viewer

F = m.Finding
STATUSES = {"open": "待整改", "rectified": "待验收", "closed": "已销号", "withdrawn": "已撤销", "overdue": "整改逾期",
            "verify_late": "验收超期", "appealing": "申诉中", "redo": "需重新整改"}
COLOURS = {"blue": "蓝色督办", "yellow": "黄色督办", "red": "红色督办"}
SEVERITIES = ("一般", "较重", "严重")
MAX_TEXT = 100
# the columns the ledger sorts by (a header link each); the number breaks ties, and is the default (newest first)
SORTS = {"number": "编号", "school": "学校", "category": "类别", "severity": "程度", "status": "状态",
         "deadline": "期限"}


@dataclass
class Filters:
    district: int | None = None
    school: int | None = None
    category: str = ""
    status: str = ""
    colour: str = ""
    severity: str = ""
    source: str = ""  # 来源: a code of bot.domain.sources
    text: str = ""  # the search box as typed (编号, 学校 or words: `search` says which)
    search: Search = field(default_factory=Search)
    since: date | None = None  # 发现日期 from (inclusive, the county's local date)
    until: date | None = None  # 发现日期 to (inclusive)
    page: int = 1
    sort: str = "number"
    descending: bool = True
    ignored: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # why nothing can match, in words (shown on the page)

    def query(self, **change: object) -> dict[str, object]:
        """The filters as query-string values (for links to other pages of the same list)."""
        values = dict(district=self.district, school=self.school, category=self.category, status=self.status,
                      colour=self.colour, severity=self.severity, source=self.source, q=self.text, page=self.page,
                      sort=self.sort, dir="desc" if self.descending else "asc",
                      **{"from": self.since, "to": self.until}) | change
        default = {"page": 1, "sort": "number", "dir": "desc"}
        return {k: v for k, v in values.items()
                if v is not None and v != "" and not (k in default and v == default[k]
                                                      and (k != "dir" or values["sort"] == "number"))}

    def sorted_by(self, column: str) -> dict[str, object]:
        """The query of a header link: sort by `column`, the other way round when it is the sort already (a new
        column starts ascending, the number descending), back to the first page."""
        if column == self.sort:
            return self.query(sort=column, dir="asc" if self.descending else "desc", page=1)
        return self.query(sort=column, dir="desc" if column == "number" else "asc", page=1)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def read_filters(params: QueryParams, viewer: Viewer) -> Filters:
    f, roster = Filters(), viewer.roster
    seen = viewer.school_ids
    if value := params.get("district", "").strip():
        did = _int(value)
        if did in roster.districts and (seen is None or any(roster.schools[s].district_id == did for s in seen
                                                            if s in roster.schools)):
            f.district = did
        else:
            f.ignored.append("责任区")
    if value := params.get("school", "").strip():
        sid = _int(value)
        if sid in roster.schools and (seen is None or sid in seen):
            f.school = sid
        elif sid is None:  # a name typed into the address: found as chat finds it
            named = read_search(value[:MAX_TEXT], roster, seen)
            if named.school is not None:
                f.school = named.school.id
            else:
                f.ignored.append("学校")
                f.why.append(_unknown_school(value[:MAX_TEXT], named))
        else:
            f.ignored.append("学校")
    for name, allowed, label in (("status", STATUSES, "状态"), ("colour", COLOURS, "督办颜色"),
                                 ("severity", SEVERITIES, "严重程度"), ("source", sources.LABELS, "来源")):
        if value := params.get(name, "").strip():
            if value in allowed:
                setattr(f, name, value)
            else:
                f.ignored.append(label)
    for name, attr in (("from", "since"), ("to", "until")):
        if value := params.get(name, "").strip():
            if (day := _date(value)) is not None:
                setattr(f, attr, day)
            else:
                f.ignored.append("发现日期")
    f.category = params.get("category", "").strip()[:50]
    f.text = params.get("q", "").strip()[:MAX_TEXT]
    f.search = read_search(f.text, roster, seen)
    _why(f, roster)
    if value := params.get("sort", "").strip():
        if value in SORTS:
            f.sort = value
            f.descending = value == "number"
        else:
            f.ignored.append("排序")
    if value := params.get("dir", "").strip():
        if value in ("asc", "desc"):
            f.descending = value == "desc"
        else:
            f.ignored.append("排序")
    if value := params.get("page", "").strip():
        page = _int(value)
        if page and page >= 1:
            f.page = page
        else:
            f.ignored.append("页码")
    return f


async def conditions(session: Session, f: Filters, viewer: Viewer, now: datetime, *,
                     words: bool = True) -> list[ColumnElement]:
    """The SQL conditions: what the viewer may see, then each filter (the words searched for too, unless `words`
    is False: the caller reads them from m.FindingText itself)."""
    roster = viewer.roster
    out: list[ColumnElement] = []
    if viewer.school_ids is not None:
        out.append(F.school_id.in_(sorted(viewer.school_ids)))
    if f.district is not None:
        out.append(F.school_id.in_(sorted(s.id for s in roster.schools.values() if s.district_id == f.district)))
    if f.school is not None:
        out.append(F.school_id == f.school)
    if f.category:
        out.append(F.category == f.category)
    if f.severity:
        out.append(F.severity == f.severity)
    if f.source:
        out.append(F.source == f.source)
    if f.search.number is not None:
        out.append(F.number == f.search.number)
    if f.search.school is not None:
        out.append(F.school_id == f.search.school.id)
    if f.search.district is not None:
        out.append(F.school_id.in_(sorted(s.id for s in roster.schools.values()
                                          if s.district_id == f.search.district.id)))
    if f.search.schools:
        out.append(F.school_id.in_(sorted(s.id for s in f.search.schools)))
    if f.search.text and words:
        out.append(text_condition(f.search.text))
    if f.since is not None:
        out.append(F.created_at >= _midnight(f.since, roster))
    if f.until is not None:
        out.append(F.created_at < _midnight(f.until + timedelta(days=1), roster))
    if f.status == "overdue":  # 整改逾期 (bot.domain.figures; not while 申诉中)
        out.append(and_(F.status == ledger.OPEN, F.deadline_at <= now, F.appealed_at.is_(None)))
    elif f.status == "verify_late":  # 验收超期
        within = roster.policy.verify_within.n
        out.append(and_(F.status == ledger.RECTIFIED, F.appealed_at.is_(None),
                        F.rectified_at < figures.late_reports_before(now, roster.tz, roster.calendar, within)))
    elif f.status == "appealing":  # 申诉中: an appeal waits for the office's decision
        # the status unindexed (`|| ''`): the partial index on appealed_at finds the few, not the status index all
        # the active findings
        out.append(and_(F.status.concat("").in_(ledger.ACTIVE), F.appealed_at.is_not(None)))
    elif f.status == "redo":  # 需重新整改: back to 待整改 after a verification failed (its last report refused)
        failed = select(m.FindingEvent.finding_id).where(m.FindingEvent.kind == ledger.VERIFY_FAIL)
        out.append(and_(F.status == ledger.OPEN, F.id.in_(failed)))
    elif f.status:
        out.append(F.status == f.status)
    if f.colour:
        out.append(await _colour(session, f.colour, viewer, now))
    return out or [true()]


def _why(f: Filters, roster) -> None:  # noqa: ANN001 — a Roster
    """The reasons the filters cannot match whatever the ledger holds (a school outside the chosen district, two
    different schools, a date range the wrong way round), and the closest names of a school that is not there."""
    schools = [roster.schools[s] for s in (f.school,) if s is not None and s in roster.schools]
    if f.search.school is not None:
        if schools and schools[0].id != f.search.school.id:
            f.why.append(f"搜索的{f.search.school.name}与所选的{schools[0].name}不是同一所学校。")
        schools.append(f.search.school)
    district = roster.districts.get(f.district) if f.district is not None else None
    for school in dict.fromkeys(schools):
        if district is not None and school.district_id != district.id:
            f.why.append(f"{school.name}不属于{district.name}。")
    if f.since is not None and f.until is not None and f.since > f.until:
        f.why.append(f"发现日期的起点（{f.since}）晚于终点（{f.until}）。")
    if f.search.unknown_school:
        f.why.append(_unknown_school(f.search.unknown_school, f.search))


def _unknown_school(name: str, search: Search) -> str:
    closest = "、".join(s.name for s in search.closest)
    return f"没有找到学校“{name}”" + (f"，最接近的是：{closest}。" if closest else "。")


def _midnight(day: date, roster) -> datetime:  # noqa: ANN001 — a Roster
    """The first instant of a county-local day."""
    return datetime.combine(day, time(), roster.tz)


async def _colour(session: Session, which: str, viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    """The 三色督办 colours as SQL (bot.domain.colour): blue due soon, yellow overdue, red overdue past the ladder."""
    roster = viewer.roster
    is_open = and_(F.status == ledger.OPEN, F.appealed_at.is_(None))  # 申诉中: no colour
    if which == "blue":
        soon = roster.calendar.add_workdays(now.astimezone(roster.tz).date(), BLUE_WITHIN_WORKDAYS)
        return and_(is_open, F.deadline_at > now, F.due_date <= soon)
    red = and_(is_open, await red_condition(session, roster, now))
    return red if which == "red" else and_(is_open, F.deadline_at <= now, not_(red))


def describe(f: Filters, roster) -> str:  # noqa: ANN001 — a Roster
    """What the filters cover, in words for the workbook's subtitle (全部问题 when nothing narrows it)."""
    parts = []
    if f.district is not None and f.district in roster.districts:
        parts.append(roster.districts[f.district].name)
    if f.school is not None and f.school in roster.schools:
        parts.append(roster.schools[f.school].name)
    for label, value in (("类别", f.category), ("严重程度", f.severity), ("来源", sources.LABELS.get(f.source, "")),
                         ("状态", STATUSES.get(f.status, "")),
                         ("督办颜色", COLOURS.get(f.colour, "")), ("搜索", f.text)):
        if value:
            parts.append(f"{label}：{value}")
    if f.since is not None or f.until is not None:
        parts.append(f"发现日期：{f.since or ''}至{f.until or ''}")
    return "，".join(parts) if parts else "全部问题"
