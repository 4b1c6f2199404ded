"""What `dudao export ledger|bulletin|assessment|school-assessment|campaign` does: read the county, the period and
(for the ledger, --place) the places, write the file (or, for `bulletin --issued 文号`, the 通报 issued under that
文号, the bytes stored when it was issued)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, func, select, true

from bot.cli.bootstrap import open_database
from bot.cli.desk_actions import CliError
from bot.cli.say import say
from bot.clock import SystemClock
from bot.domain.place_words import read_places
from bot.domain.roster import Roster
from bot.domain.schools import SchoolIndex
from bot.parsing.normalize import split_words
from bot.parsing.periods import Period, PeriodError, month_period, parse_period
from bot.render import Renderer
from bot.reports.assessment import assessment
from bot.reports.assessment_book import write_assessment
from bot.reports.bulletin_doc import TemplateUnusable, bulletin_doc_values, write_bulletin_doc
from bot.reports.issued import document_of, find
from bot.reports.ledger_book import ledger_rows, write_ledger
from bot.reports.school_assessment import school_assessment
from bot.reports.school_assessment_book import write_school_assessment
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.roster_repo import NoCountyLoaded, load_roster
from bot.storage.session import Session

KINDS = ("ledger", "bulletin", "assessment", "school-assessment")
# A progress bar: given the number of steps, a context manager whose value has update(n)
Progress = Callable[[int], AbstractContextManager]


class BadInput(CliError):
    """The operator's input cannot be used (a period we cannot read): exit code 2."""


def read_place(text: str, roster: Roster) -> tuple[ColumnElement[bool], str]:
    """--place as written, read as chat reads it (bot.domain.place_words): the condition on findings and its name; else
    BadInput naming the word with examples."""
    index = SchoolIndex(list(roster.schools.values()))
    found = read_places(split_words(text), roster.districts.values(), index)
    if found.unknown or not found.named:
        examples = [f"--place {d.name}" for d in list(roster.districts.values())[:1]]
        two = list(roster.schools.values())[:2]
        examples += [f"--place {two[0].display}、{two[1].display}"] if len(two) == 2 else []
        raise BadInput(Renderer().render("errors/place_unknown.j2", text=found.unknown or text,
                                         names=[s.name for s in found.candidates], mixed=found.mixed,
                                         examples=examples))
    if found.district is not None:
        ids = sorted(s.id for s in roster.schools.values() if s.district_id == found.district.id)
        return m.Finding.school_id.in_(ids), found.district.name
    return m.Finding.school_id.in_(sorted(s.id for s in found.schools)), "、".join(s.display for s in found.schools)


def read_period(text: str | None, roster: Roster, today: date, *, months_only: bool) -> Period:
    """--month as written (None: this month), or BadInput with the reason in Chinese."""
    if not text:
        return month_period(today.replace(day=1))
    try:
        return parse_period(text, today, roster.terms, months_only=months_only)
    except PeriodError as err:
        raise BadInput(Renderer().render("errors/period_bad.j2", **err.values(roster.terms))) from None


async def county_roster(db: Database, missing: str = "no_county") -> Roster:
    """The county's roster, or CliError saying (`missing`: what say() says) that no county is loaded yet."""
    async with db.reading() as session:
        try:
            return await load_roster(session)
        except NoCountyLoaded:
            raise CliError(say(missing)) from None


def target(out: Path, default_name: str) -> Path:
    """OUT itself, or a file of the default name inside it when it is a directory (parents made as needed)."""
    path = out / default_name if out.is_dir() else out
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CliError(say("export_cannot_write", out=path, error=err.strerror or err)) from None
    return path


async def export(settings: Settings, kind: str, month: str | None, out: Path, progress: Progress,
                 now: datetime | None = None, issued: str | None = None, place: str | None = None) -> str:
    """Write `kind` for `month` (or the 通报 `issued` under that 文号) to `out`; the operator's line saying what was
    written."""
    if issued is not None and month:
        raise BadInput(say("export_issued_month"))
    now = now or SystemClock().now()
    db = await open_database(settings.database_url)
    try:
        roster = await county_roster(db, "export_no_county")
        async with db.reading() as session:
            today = now.astimezone(roster.tz).date()
            if kind == "ledger":
                return await _ledger(session, roster, now, month, out, progress, place)
            if kind == "bulletin" and issued is not None:
                return await _issued(session, issued, out)
            if kind == "bulletin":
                return await _bulletin(session, roster, now, read_period(month, roster, today, months_only=True),
                                       out, settings.bulletin_template)
            period = read_period(month, roster, today, months_only=False)
            if kind == "school-assessment":
                return await _school_assessment(session, roster, now, period, out)
            return await _assessment(session, roster, now, period, out)
    except OSError as err:
        raise CliError(say("export_cannot_write", out=out, error=err.strerror or err)) from None
    finally:
        await db.dispose()


async def _ledger(session: Session, roster: Roster, now: datetime, month: str | None, out: Path,
                  progress: Progress, place: str | None = None) -> str:
    """整改台账: every finding, or those logged in `month`, of the places named (as in chat); rows streamed, the bar
    moved per row."""
    condition: ColumnElement[bool]
    condition, period, scope = true(), None, ""
    if month:
        period = read_period(month, roster, now.astimezone(roster.tz).date(), months_only=False)
        since, until = period.bounds(roster.tz)
        condition = (m.Finding.created_at >= since) & (m.Finding.created_at < until)
    if place:
        where, scope = read_place(place, roster)
        condition = condition & where
    total = await session.scalar(select(func.count()).select_from(m.Finding).where(condition)) or 0
    path = target(out, f"整改台账-{period.slug}.xlsx" if period else "整改台账.xlsx")

    with progress(total) as bar:
        async def counted() -> AsyncIterator[tuple]:
            async for row in ledger_rows(session, roster, now, condition):
                yield row
                bar.update(1)

        count = await write_ledger(path, counted(), county=roster.county, generated=now.astimezone(roster.tz),
                                   verify_within=roster.policy.verify_within.n,
                                   subtitle=f"{scope}{period.label}发现的问题" if period else
                                   (f"{scope}的问题" if scope else "全部问题"))
    return say("export_ledger", out=path, count=count, label=scope + (period.label if period else ""))


async def _bulletin(session: Session, roster: Roster, now: datetime, period: Period, out: Path,
                    template: Path | None) -> str:
    values = await bulletin_doc_values(session, roster, now, period.first)
    path = target(out, f"{roster.county}{period.label}督导通报.docx")
    try:
        write_bulletin_doc(values, path, template)
    except TemplateUnusable as err:
        raise CliError(Renderer().render("digests/bulletin_template_bad.j2", **err.values())) from None
    return say("export_bulletin", out=path, label=period.label, template=template or "")


async def _issued(session: Session, number: str, out: Path) -> str:
    """The 通报 issued under `number`, byte for byte as stored."""
    row = await find(session, number)
    data = await document_of(session, row.id) if row is not None else None
    if row is None or data is None:
        raise CliError(say("export_no_issued", number=number[:30]))
    path = target(out, row.name)
    path.write_bytes(data)
    return say("export_issued", out=path, number=row.number, label=row.label, day=row.issued_on, sha256=row.sha256)


async def export_campaign(settings: Settings, name: str | None, day: str | None, out: Path,
                          now: datetime | None = None) -> str:
    """Write the 专项督导通报 of the campaign `name` (the one open today when None), as of `day` (today when None)."""
    from bot.obligations.campaigns import campaigns, choose
    from bot.reports.campaign_doc import CAMPAIGN_TEMPLATE, campaign_doc_values

    now = now or SystemClock().now()
    db = await open_database(settings.database_url)
    try:
        roster = await county_roster(db, "export_no_county")
        today = now.astimezone(roster.tz).date()
        as_of = read_day(day, today)
        async with db.reading() as session:
            every = await campaigns(session)
            match = choose(every, name, today)
            if match.campaign is None:
                raise BadInput(Renderer().render("campaigns/which.j2", word=name or "", names=[
                    c.name for c in match.candidates], known=[c.name for c in every]))
            values = await campaign_doc_values(session, roster, match.campaign, as_of, now)
        path = target(out, f"{match.campaign.name}通报.docx")
        template = settings.campaign_template
        try:
            write_bulletin_doc(values, path, template or CAMPAIGN_TEMPLATE)
        except TemplateUnusable as err:
            raise CliError(Renderer().render("digests/bulletin_template_bad.j2", **err.values())) from None
        return say("export_campaign", out=path, name=match.campaign.name, as_of=values["as_of"],
                   template=template or "")
    except OSError as err:
        raise CliError(say("export_cannot_write", out=out, error=err.strerror or err)) from None
    finally:
        await db.dispose()


def read_day(text: str | None, today: date) -> date:
    """--as-of as written (2024-03-20; None: today); a day to come, or one we cannot read, is BadInput."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(Renderer().render("campaigns/bad_day.j2", value=text)) from None
    if day > today:
        raise BadInput(Renderer().render("campaigns/as_of_future.j2", day=day))
    return day


async def _assessment(session: Session, roster: Roster, now: datetime, period: Period, out: Path) -> str:
    found = await assessment(session, roster, period, now)
    path = target(out, f"责任督学考核-{period.slug}.xlsx")
    write_assessment(found, path, now.astimezone(roster.tz))
    return say("export_assessment", out=path, label=period.label, people=len(found.rows))


async def _school_assessment(session: Session, roster: Roster, now: datetime, period: Period, out: Path) -> str:
    found = await school_assessment(session, roster, period, now)
    path = target(out, f"学校综合督导考核-{period.slug}.xlsx")
    count = write_school_assessment(found, list(found.rows), path, now.astimezone(roster.tz), "全县")
    return say("export_school_assessment", out=path, label=period.label, schools=count)
