"""The 通报 issued (印发): made once, from the figures as of its period's end, with its 文号 and 印发日期 written in,
and stored exactly as issued — the Word document's bytes (and their SHA-256) and the chat text — in `bulletins`.
It never changes afterwards; a correction (更正) is a new 通报 of the same period, recomputed when it is issued,
naming the one it corrects, which stays stored as it was and is shown as 已更正.

This is the one place the read side writes: freezing a document is what issuing is. `issue_monthly` checks
everything first and raises `Refused` (with the reason for digests/bulletin_refused.j2) before anything is added,
so a refusal changes nothing. The caller owns the transaction, and sends (the chat: handlers/bulletins.py). A 专项
通报 will be another `kind` with its campaign as `subject`, stored and listed the same way.
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
from bot.parsing.periods import Period, month_period
from bot.reports.bulletin import bulletin_values
from bot.reports.bulletin_doc import bulletin_doc_values, date_cn, write_bulletin_doc
from bot.storage import models as m
from bot.storage.session import Session
from bot.text import file_stem

MONTHLY = "monthly"
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
    """What the office asked: the month, the 文号 as written, the 印发日期, who; for a correction, the 文号 it
    corrects and why."""

    month: Period | None  # None for a correction: the corrected one's
    number: str
    issued_on: date
    by: int  # the person issuing
    corrects: str = ""  # the 文号 corrected, as written ("": not a correction)
    reason: str = ""
    message_id: str | None = None


async def issue_monthly(session: Session, roster: Roster, now: datetime, asked: Issue, *,
                        chat_text: Callable[[dict], str], template: Path | None = None) -> m.Bulletin:
    """Issue the monthly 通报 `asked` describes (a correction when `asked.corrects`): checked, rendered from the
    figures as of the month's end, added to the session. `chat_text` renders the chat values (the caller's
    templates); a template that cannot be used raises bot.reports.bulletin_doc.TemplateUnusable."""
    number = _number(asked.number)
    today = now.astimezone(roster.tz).date()
    corrected = await _corrected(session, asked.corrects) if asked.corrects else None
    month = month_period(corrected.period_first) if corrected else asked.month
    if month is None:
        raise Refused("no_month")
    _check_dates(number, asked.issued_on, today, month, corrected)
    if (used := await by_number(session, number)) is not None:
        raise Refused("number_used", number=number, label=used.label)
    if corrected is None and (latest := await current(session, MONTHLY, month.slug)) is not None:
        raise Refused("already_issued", label=month.label, number=latest)
    issued = dict(number=number, date=asked.issued_on, corrects=corrected.number if corrected else "",
                  reason=asked.reason)
    doc_values = await bulletin_doc_values(session, roster, now, month.first)
    title = doc_values["title"] + (CORRECTION if corrected else "")
    data = _document(dict(doc_values, title=title, number=number, draft_mark="", issue_date=date_cn(asked.issued_on),
                          issue_year=asked.issued_on.year,
                          correction=dict(number=issued["corrects"], reason=asked.reason) if corrected else None),
                     number, template)
    text = chat_text(dict(await bulletin_values(session, roster, now, month.first), title=title, issued=issued))
    row = m.Bulletin(kind=MONTHLY, subject=month.slug, period_first=month.first, period_last=month.last,
                     label=month.label, title=title, number=number, issued_on=asked.issued_on, issued_by=asked.by,
                     issued_at=now, corrects_id=corrected.id if corrected else None, reason=asked.reason,
                     name=file_stem(f"{number}{roster.county}{month.label}督导通报{CORRECTION if corrected else ''}")
                     + ".docx", document=data, sha256=hashlib.sha256(data).hexdigest(), text=text,
                     message_id=asked.message_id)
    session.add(row)
    await session.flush()
    return row


def _number(text: str) -> str:
    if not text:
        raise Refused("no_number")
    try:
        return normalise(text)
    except DocNumberError as err:
        raise Refused(f"number_{err.why}", text=text[:30]) from None


def _check_dates(number: str, issued_on: date, today: date, month: Period, corrected: m.Bulletin | None) -> None:
    if month.last >= today:
        raise Refused("not_ended", label=month.label, last=month.last)
    if issued_on > today:
        raise Refused("future_date", day=issued_on)
    if issued_on <= month.last:
        raise Refused("before_end", day=issued_on, label=month.label, earliest=month.last + timedelta(days=1))
    if corrected is not None and issued_on < corrected.issued_on:
        raise Refused("before_corrected", day=issued_on, number=corrected.number, issued=corrected.issued_on)
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


async def current(session: Session, kind: str, subject: str) -> str | None:
    """The 文号 of the 通报 of this kind and subject in force: the last of its line of corrections (None: never
    issued)."""
    rows = (await session.execute(select(m.Bulletin.id, m.Bulletin.number, m.Bulletin.corrects_id)
                                  .where(m.Bulletin.kind == kind, m.Bulletin.subject == subject))).all()
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
