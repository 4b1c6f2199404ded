"""The 通报 issued (印发): made once, from the figures as of its period's end, with its 文号 and 印发日期 written in,
and stored exactly as issued — the Word document's bytes (and their SHA-256) and the chat text — in `bulletins`.
It never changes afterwards; a correction (更正) is a new 通报 of the same period, recomputed when it is issued,
naming the one it corrects, which stays stored as it was and is shown as 已更正.

This is the one place the read side writes: freezing a document is what issuing is. `issue_monthly` checks
everything first and raises `Refused` (with the reason for digests/bulletin_refused.j2) before anything is added,
so a refusal changes nothing. The caller owns the transaction, and sends (the chat: handlers/bulletins.py). A 专项
督导通报 is another `kind` (campaign) with its campaign's id as `subject` and the day its figures stand at as
`period_last`, stored, listed and corrected the same way.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.domain.doc_numbers import DocNumberError, check_year, normalise
from bot.domain.roster import Roster
from bot.obligations.campaigns import CampaignInfo, info
from bot.parsing.periods import Period, month_period
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.bulletin_doc import bulletin_doc_values, date_cn, write_bulletin_doc
from bot.reports.campaign_doc import CAMPAIGN_TEMPLATE, CAMPAIGN_TEXT, campaign_doc_values
from bot.storage import models as m
from bot.storage.session import Session
from bot.text import file_stem

MONTHLY = "monthly"
CAMPAIGN = "campaign"  # a 专项督导通报: its subject is the campaign's id
CORRECTION = "（更正）"


class Refused(Exception):
    """Why a 通报 cannot be issued (`why`, with `values` for digests/bulletin_refused.j2); nothing was written."""

    def __init__(self, why: str, **values: object) -> None:
        super().__init__(why)
        self.why, self.values = why, values

    def template_values(self) -> dict:
        return dict(why=self.why, **self.values)


@dataclass(frozen=True)
class Issue:
    """What the office asked: the month (or the campaign and the day its figures stand at), the 文号 as written, the
    印发日期, who; for a correction, the 文号 it corrects and why."""

    month: Period | None  # None for a correction (the corrected one's) or a 专项督导通报
    number: str
    issued_on: date
    by: int  # the person issuing
    corrects: str = ""  # the 文号 corrected, as written ("": not a correction)
    reason: str = ""
    message_id: str | None = None
    campaign: CampaignInfo | None = None  # a 专项督导通报's campaign
    as_of: date | None = None  # its figures as of this day's end (None: the window's end, or the 印发日期 if earlier)


@dataclass(frozen=True)
class Templates:
    """The Word templates (None: the shipped ones) and how the chat text is rendered: (template name, values)."""

    render: Callable[..., str]
    monthly: Path | None = None
    campaign: Path | None = None


@dataclass(frozen=True)
class _Made:
    """A 通报 made, ready to store: what it is about and its document and chat text, as issued."""

    kind: str
    subject: str
    first: date
    last: date
    label: str
    title: str
    name: str
    document: bytes
    text: str


async def issue_bulletin(session: Session, roster: Roster, now: datetime, asked: Issue,
                         templates: Templates) -> m.Bulletin:
    """Issue the 通报 `asked` describes — monthly, 专项督导, or a correction of either (recomputed the same way as the
    one it corrects): checked, rendered from the figures as of its period's end, added to the session. A template
    that cannot be used raises bot.reports.bulletin_doc.TemplateUnusable."""
    number = _number(asked.number)
    today = now.astimezone(roster.tz).date()
    corrected = await _corrected(session, asked.corrects) if asked.corrects else None
    if asked.issued_on > today:
        raise Refused("future_date", day=asked.issued_on)
    if corrected is not None and asked.issued_on < corrected.issued_on:
        raise Refused("before_corrected", day=asked.issued_on, number=corrected.number, issued=corrected.issued_on)
    _check_year(number, asked.issued_on)
    if (used := await by_number(session, number)) is not None:
        raise Refused("number_used", number=number, label=used.label)
    issued = dict(number=number, issue_date=date_cn(asked.issued_on), issue_year=asked.issued_on.year,
                  draft_mark="", correction=dict(number=corrected.number, reason=asked.reason) if corrected else None)
    if (corrected.kind if corrected else (CAMPAIGN if asked.campaign else MONTHLY)) == CAMPAIGN:
        made = await _campaign(session, roster, now, asked, corrected, issued, templates)
    else:
        made = await _monthly(session, roster, now, asked, corrected, issued, templates)
    row = m.Bulletin(kind=made.kind, subject=made.subject, period_first=made.first, period_last=made.last,
                     label=made.label, title=made.title, number=number, issued_on=asked.issued_on, issued_by=asked.by,
                     issued_at=now, corrects_id=corrected.id if corrected else None, reason=asked.reason,
                     name=made.name, document=made.document, sha256=hashlib.sha256(made.document).hexdigest(),
                     text=made.text, message_id=asked.message_id)
    session.add(row)
    await session.flush()
    return row


async def _monthly(session: Session, roster: Roster, now: datetime, asked: Issue, corrected: m.Bulletin | None,
                   issued: dict, templates: Templates) -> _Made:
    """The month's 通报: its figures as of the month's end; once a month (its corrections aside)."""
    month = month_period(corrected.period_first) if corrected else asked.month
    if month is None:
        raise Refused("no_month")
    today = now.astimezone(roster.tz).date()
    if month.last >= today:
        raise Refused("not_ended", label=month.label, last=month.last)
    if asked.issued_on <= month.last:
        raise Refused("before_end", day=asked.issued_on, label=month.label, earliest=month.last + timedelta(days=1))
    if corrected is None and (latest := await current(session, MONTHLY, month.slug)) is not None:
        raise Refused("already_issued", label=month.label, number=latest)
    doc_values = await bulletin_doc_values(session, roster, now, month.first)
    title = doc_values["title"] + (CORRECTION if corrected else "")
    data = _document(dict(doc_values, **issued, title=title), issued["number"], templates.monthly)
    text = templates.render(BULLETIN_TEMPLATE, **dict(await bulletin_values(session, roster, now, month.first),
                                                      title=title, issued=_chat_issued(issued, asked)))
    return _Made(MONTHLY, month.slug, month.first, month.last, month.label, title,
                 _file_name(issued["number"], f"{roster.county}{month.label}督导通报", corrected), data, text)


async def _campaign(session: Session, roster: Roster, now: datetime, asked: Issue, corrected: m.Bulletin | None,
                    issued: dict, templates: Templates) -> _Made:
    """A 专项督导通报: its figures as of a day of the campaign (its window's end by default, or the 印发日期 when
    that comes first); once for each such day (its corrections aside)."""
    campaign = await _campaign_of(session, corrected) if corrected else asked.campaign
    if campaign is None:
        raise Refused("no_month")
    day = corrected.period_last if corrected else (asked.as_of or min(campaign.ends, asked.issued_on))
    if day < campaign.starts:
        raise Refused("campaign_not_started", name=campaign.name, starts=campaign.starts, day=day)
    if day > asked.issued_on:
        raise Refused("as_of_after_issue", day=asked.issued_on, as_of=day)
    label = f"{campaign.name}（截至{day.month}月{day.day}日）"
    if corrected is None and (latest := await current(session, CAMPAIGN, str(campaign.id), day)) is not None:
        raise Refused("already_issued", label=label, number=latest)
    doc_values = await campaign_doc_values(session, roster, campaign, day, now)
    title = doc_values["title"] + (CORRECTION if corrected else "")
    data = _document(dict(doc_values, **issued, title=title), issued["number"], templates.campaign or CAMPAIGN_TEMPLATE)
    text = templates.render(CAMPAIGN_TEXT, **dict(doc_values, title=title, issued=_chat_issued(issued, asked)))
    return _Made(CAMPAIGN, str(campaign.id), campaign.starts, day, label, title,
                 _file_name(issued["number"], f"{campaign.name}通报", corrected), data, text)


async def _campaign_of(session: Session, bulletin: m.Bulletin) -> CampaignInfo:
    row = await session.get(m.Campaign, int(bulletin.subject or 0))
    if row is None:  # a campaign is never deleted (retired ones stay): a bulletin always finds its own
        raise Refused("unknown_corrected", number=bulletin.number)
    items = await session.scalars(select(m.CampaignItem).where(m.CampaignItem.campaign_id == row.id))
    return info(row, items)


def _chat_issued(issued: dict, asked: Issue) -> dict:
    """What the chat text says of the issue: 文号, 印发日期, the 文号 corrected and why."""
    corrects = issued["correction"]["number"] if issued["correction"] else ""
    return dict(number=issued["number"], date=asked.issued_on, corrects=corrects, reason=asked.reason)


def _file_name(number: str, what: str, corrected: m.Bulletin | None) -> str:
    return file_stem(f"{number}{what}{CORRECTION if corrected else ''}") + ".docx"


def _number(text: str) -> str:
    if not text:
        raise Refused("no_number")
    try:
        return normalise(text)
    except DocNumberError as err:
        raise Refused(f"number_{err.why}", text=text[:30]) from None


def _check_year(number: str, issued_on: date) -> None:
    try:
        check_year(number, issued_on)
    except DocNumberError:
        raise Refused("year_mismatch", number=number, year=issued_on.year) from None


async def _corrected(session: Session, text: str) -> m.Bulletin:
    """The 通报 a correction corrects: issued, and not corrected already (the newest of its line is)."""
    try:
        found = await by_number(session, normalise(text))
    except DocNumberError:
        found = None
    if found is None:
        raise Refused("unknown_corrected", number=text[:30])
    later = await session.scalar(select(m.Bulletin.number).where(m.Bulletin.corrects_id == found.id))
    if later is not None:
        raise Refused("already_corrected", number=found.number, by=later)
    return found


def _document(values: dict, number: str, template: Path | None) -> bytes:
    """The Word document's bytes, with the 文号 checked to be in it (an office's own template may lack the line)."""
    buffer = io.BytesIO()
    write_bulletin_doc(values, buffer, template)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        if number not in book.read("word/document.xml").decode("utf-8"):
            raise Refused("template_no_number", number=number)
    return data


async def by_number(session: Session, number: str) -> m.Bulletin | None:
    """The 通报 issued under `number` (normalised, as stored)."""
    return await session.scalar(select(m.Bulletin).where(m.Bulletin.number == number))


async def find(session: Session, text: str) -> m.Bulletin | None:
    """The 通报 issued under a 文号 as someone wrote it (None: none, or no 文号 we can read)."""
    try:
        return await by_number(session, normalise(text))
    except DocNumberError:
        return None


async def current(session: Session, kind: str, subject: str, last: date | None = None) -> str | None:
    """The 文号 of the 通报 of this kind and subject (and, when given, period end) in force: the last of its line of
    corrections (None: never issued)."""
    q = select(m.Bulletin.id, m.Bulletin.number, m.Bulletin.corrects_id).where(m.Bulletin.kind == kind,
                                                                              m.Bulletin.subject == subject)
    rows = (await session.execute(q if last is None else q.where(m.Bulletin.period_last == last))).all()
    corrected = {r.corrects_id for r in rows}
    return next((r.number for r in sorted(rows, key=lambda r: r.id, reverse=True) if r.id not in corrected), None)


async def document_of(session: Session, bulletin_id: int) -> bytes | None:
    """The stored bytes of an issued 通报, exactly as issued."""
    return await session.scalar(select(m.Bulletin.document).where(m.Bulletin.id == bulletin_id))


async def listing(session: Session, roster: Roster) -> list[dict]:
    """Every issued 通报, newest first, as plain values: 文号, period, 印发日期, who issued it, and the 文号 it
    corrects or was corrected by (with their ids, for the desk's links)."""
    rows = list(await session.execute(
        select(m.Bulletin.id, m.Bulletin.number, m.Bulletin.label, m.Bulletin.title, m.Bulletin.issued_on,
               m.Bulletin.issued_by, m.Bulletin.corrects_id, m.Bulletin.issued_at, m.Bulletin.sha256)
        .order_by(m.Bulletin.issued_on.desc(), m.Bulletin.id.desc())))
    numbers = {r.id: r.number for r in rows}
    corrected_by = {r.corrects_id: r.id for r in rows if r.corrects_id is not None}
    listed = []
    for r in rows:
        person = roster.people.get(r.issued_by)
        by = corrected_by.get(r.id)
        listed.append(dict(id=r.id, number=r.number, label=r.label, title=r.title, issued_on=r.issued_on,
                           issued_by=person.name if person else "", sha256=r.sha256,
                           corrects=numbers.get(r.corrects_id) if r.corrects_id else None, corrects_id=r.corrects_id,
                           corrected_by=numbers.get(by) if by else None, corrected_by_id=by))
    return listed
