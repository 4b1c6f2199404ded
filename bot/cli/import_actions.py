"""What `dudao findings import|template` does: load findings from a workbook (bot/ledger/bulk.py) in one transaction
— all its rows or none — tell each school's principal of its new findings (through the outbox: a running bot sends
them within its poll), and never load the same file twice."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import text

from bot.cli.bootstrap import open_database
from bot.cli.desk_actions import CliError
from bot.cli.export_actions import BadInput, county_roster, target
from bot.cli.say import say
from bot.clock import SystemClock
from bot.contract.replies import Reply, to_outbound
from bot.domain.roster import PersonInfo, Roster, SchoolInfo
from bot.domain.sources import choices, label, source_named
from bot.ledger import lifecycle as ledger
from bot.ledger.bulk import Plan, Row, Unreadable, read_plan, template_rows
from bot.outbox.store import enqueue_many
from bot.render import Renderer
from bot.reports.book_style import text_cell
from bot.settings import Settings
from bot.storage import models as m
from bot.storage.engine import Database
from bot.storage.session import Session

KEY = "import:{digest}"  # the file's key among the handled messages: a file is loaded once


def _finder(roster: Roster, who: str | None) -> PersonInfo | None:
    if not who:
        return None
    found = [p for p in roster.people.values() if p.active and who in (p.key, p.name, p.chat_id)]
    if len(found) != 1:
        raise BadInput(say("user_who", who=who, matches=found, command="findings import --by"))
    return found[0]


async def import_findings(settings: Settings, path: Path, by: str | None, source: str | None,
                          now: datetime | None = None) -> str:
    """Load the findings of the workbook at `path`; the operator's line saying what was loaded, or BadInput
    naming every bad row with its column and the reason (nothing loaded)."""
    now = now or SystemClock().now()
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadInput(say("import_cannot_read", file=path, error=err.strerror or err)) from None
    db = await open_database(settings.database_url)
    try:
        return await load_findings(db, data, path, by, source, now)
    finally:
        await db.dispose()


async def load_findings(db: Database, data: bytes, path: Path, by: str | None, source: str | None,
                        now: datetime) -> str:
    """Load the workbook's bytes `data` (read from `path`) into `db`, all rows or none (see import_findings); `by`
    and `source` as the operator wrote them (--by, --source). Replay runs a scenario's import through here."""
    default_source = source_named(source) if source else None
    if source and default_source is None:
        raise BadInput(say("import_problems", file=path, problems=[
            say("import_problem", row=0, column="--source", kind="source", value=source, names=choices())]))
    roster = await county_roster(db)
    try:
        plan = read_plan(data, roster, now.astimezone(roster.tz).date(), source=default_source,
                         finder=_finder(roster, by))
    except Unreadable:
        raise BadInput(say("import_unreadable", file=path)) from None
    if plan.problems:
        raise BadInput(say("import_problems", file=path, problems=[
            say("import_problem", row=p.row, column=p.column, kind=p.what, **p.values) for p in plan.problems]))
    async with db.transaction() as session:
        return await _load(session, roster, plan, now, path.name)


async def _load(session: Session, roster: Roster, plan: Plan, now: datetime, name: str) -> str:
    key = KEY.format(digest=plan.digest)
    before = await session.get(m.HandledMessage, key)
    if before is not None:
        raise CliError(say("import_again", file=name, at=before.handled_at.astimezone(roster.tz)))
    if session.bind.dialect.name == "postgresql":
        # A finding's number is max + 1, taken in its INSERT: a running bot logging one meanwhile waits for this
        # transaction instead of taking the same number (on SQLite, BEGIN IMMEDIATE already makes writers queue).
        await session.execute(text("LOCK TABLE findings IN SHARE ROW EXCLUSIVE MODE"))
    session.add(m.HandledMessage(key=key, at=now, handled_at=now, room_chat_id=None, sender_chat_id="dudao findings"))
    by_school: dict[int, list[tuple[Row, str]]] = defaultdict(list)
    refs: list[str] = []
    for row in plan.rows:
        finding = await ledger.create_finding(
            session, school_id=row.school.id, category=row.category, severity=row.severity,
            description=row.description, due=row.due, tz=roster.tz, finder_id=row.finder.id, room_chat_id=None,
            at=now, message_id=None, raw_text=row.description, source=row.source, loaded=f"{name} 第{row.row}行",
            file=plan.digest[:16])
        refs.append(ledger.ref(finding.number))
        by_school[row.school.id].append((row, refs[-1]))
    renderer, today = Renderer(), now.astimezone(roster.tz).date()
    outs = [to_outbound(reply, renderer, key=f"import:{plan.digest[:16]}:{school_id}:{i}", today=today)
            for school_id, rows in by_school.items()
            for i, reply in enumerate(_notices(roster, roster.schools[school_id], rows))]
    await enqueue_many(session, outs, now=now)
    return say("import_done", count=len(refs), schools=len(by_school), first=refs[0], last=refs[-1],
               told=len(outs))


def _notices(roster: Roster, school: SchoolInfo, rows: list[tuple[Row, str]]) -> list[Reply]:
    """The school's principals hear of their new findings: in the school's room (else its district's), named;
    without a room, each bound principal privately; nobody bound, nobody (the office sees them on the desk)."""
    principals = [p for p in roster.principals_of(school.id) if p.chat_id]
    values = dict(school=school.name, findings=[dict(ref=ref, description=row.description, category=row.category,
                                                     due=row.due, source=label(row.source)) for row, ref in rows],
                  principals=[p.name for p in principals])
    room = roster.room_for_school(school.id) or roster.room_for_district(school.district_id)
    if room is not None:
        return [Reply("findings/loaded.j2", values, mention=tuple(principals), room=room.chat_id)]
    return [Reply("findings/loaded.j2", values, to=p.chat_id) for p in principals if p.chat_id]


def write_template(out: Path) -> str:
    """An empty findings workbook with the header and one example row, for the office to fill in."""
    path = target(out, "问题导入模板.xlsx")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("问题")
    for row in template_rows():
        sheet.append([text_cell(sheet, value) for value in row])
    try:
        book.save(path)
    except OSError as err:
        raise CliError(say("export_cannot_write", out=path, error=err.strerror or err)) from None
    return say("import_template", out=path)
