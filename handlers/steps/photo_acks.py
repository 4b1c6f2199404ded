"""Photos as evidence, seen from the chat: one acknowledgement per burst, kept right when photos change report.

A burst is the photos one person sends to one report (or to the finding he just logged: 问题照片, acknowledged
with PROBLEM_ACK) in one room with gaps under evidence_burst_seconds. Its acknowledgement is one reply that
waits (a `Later`), deferred to a burst's length after the latest photo: each further photo re-renders the
waiting one with the new count and pushes its time on. Its key names the report and the burst's first photo
(`photos:<event id>:<first evidence id>`), so the count is that report's photos from the first on. Like every
handler these only read and return replies; the app writes them (bot.app.App).

Photos that reach a rectification report after it (its notice to the verifier is gone by then) and raise an
authenticity hint (bot.ledger.photo_hints) tell the verifier too, once per burst, at the burst's end, where the
report's notice went (handlers.steps.reach.notice_room): in this room the acknowledgement itself carries them and
@-mentions the verifiers; elsewhere a `Later` of their own (`photohints:<event id>:<first evidence id>`, and
`:<person id>` for each verifier told privately). Another finding is named only where every reader may see it
(`namer`), as in the report's notice.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.contract import CommandContext, Later
from bot.domain.roster import PersonInfo, RoomInfo, SchoolInfo
from bot.domain.visibility import home_room, room_shows
from bot.ledger import evidence, photo_hints
from bot.ledger import lifecycle as ledger
from bot.outbox import pending_keys
from bot.storage import models as m
from handlers.steps.reach import here_room
from handlers.steps.views import mentionable

ACK = "rectification/photo_received.j2"
LATER_HINTS = "rectification/later_hints.j2"  # hints on photos after the report, where its notice went
PROBLEM_ACK = "findings/photo_received.j2"  # the finder's photos of the problem (问题照片)
WHICH = "findings/photos_which.j2"  # photos after a #问题 list: which finding's? (they wait for #照片 Q12)


@dataclass(frozen=True)
class Moved:
    """For a report's reply: `count` of its photos came from the report of another finding, `ref`."""

    count: int
    ref: str


def _prefix(event_id: int) -> str:
    return f"photos:{event_id}:"


def _template(event: m.FindingEvent) -> str:
    return PROBLEM_ACK if evidence.is_problem(event) else ACK


Namer = Callable[[int], bool]  # may a finding of this school (id) be named to every reader?


def namer(ctx: CommandContext, *, room: RoomInfo | None = None, people: Iterable[PersonInfo] = ()) -> Namer:
    """Who reads a message: everyone in `room` (a room shows only what every member may see,
    bot.domain.visibility), else `people` privately (each one's own rights)."""
    roster = ctx.roster
    if room is not None:
        return lambda school_id: school_id in roster.schools and room_shows(room, roster.schools[school_id])
    seen = [roster.visible_schools(roster.actor_of(p)) for p in people]
    return lambda school_id: all(school_id in s for s in seen)


def here_namer(ctx: CommandContext) -> Namer:
    """The readers of a reply where the command came from: this room, or the sender privately."""
    if ctx.private:
        schools = ctx.roster.visible_schools(ctx.actor)
        return lambda school_id: school_id in schools
    room = ctx.room
    return namer(ctx, room=room) if room is not None else (lambda school_id: False)


async def hint_values(ctx: CommandContext, finding: m.Finding, rows: list[m.Evidence], may_name: Namer) -> list[dict]:
    """The authenticity hints on `rows` (numbered in their order) for a chat message; another finding is named
    only when `may_name` its school."""
    order = {row.id: n for n, row in enumerate(rows, 1)}
    return [dict(n=order[h.photo_id], kind=h.kind, exact=h.exact,
                 ref=ledger.ref(h.other_number) if h.other_number is not None and h.other_school_id is not None
                 and may_name(h.other_school_id) else None,
                 taken=h.taken_at.astimezone(ctx.roster.tz).strftime("%Y-%m-%d %H:%M") if h.taken_at else "")
            for h in await photo_hints.hints_for(ctx.session, finding, rows)]


def verifiers_of(ctx: CommandContext, finding: m.Finding, school: SchoolInfo) -> tuple[PersonInfo, ...]:
    """Who verifies a rectification: the finder (if still active), and the school's other supervisors."""
    finder = ctx.roster.people.get(finding.finder_id)
    people = ([finder] if finder and finder.active else []) + ctx.roster.supervisors_of(school.id)
    return mentionable(list({p.id: p for p in people}.values()))


async def _burst(ctx: CommandContext, event: m.FindingEvent, key: str, due: datetime | None) -> list[Later]:
    """The replies of one burst of photos to report `event` (key `photos:<event id>:<first evidence id>`): its
    acknowledgement, and for a rectification report the hints its photos raise, told where the notice went.
    `due`: when it goes (None: only change what waits). A burst left with no photo takes everything back."""
    finding = await ctx.session.get(m.Finding, event.finding_id)
    assert finding is not None  # an event's finding (a finding is never deleted)
    first = int(key.rsplit(":", 1)[1])
    rows = list(await ctx.session.scalars(select(m.Evidence).where(m.Evidence.event_id == event.id,
                                                                   m.Evidence.id >= first).order_by(m.Evidence.id)))
    ref = ledger.ref(finding.number)
    values: dict = dict(ref=ref, count=len(rows), hints=[])
    school = ctx.roster.schools.get(finding.school_id)
    if evidence.is_problem(event) or school is None:
        return [Later(_template(event), values, key=key, not_before=due, withdraw=not rows)]
    act = tuple(p for p in verifiers_of(ctx, finding, school) if p.chat_id != ctx.actor.chat_id)
    room = home_room(ctx.roster, school, here_room(ctx))
    hints_key = f"photohints:{event.id}:{first}"
    if room is not None and room.chat_id == ctx.inbound.room:  # the notice was said here: the ack says them
        values["hints"] = await hint_values(ctx, finding, rows, namer(ctx, room=room)) if rows else []
        return [Later(ACK, values, key=key, not_before=due, withdraw=not rows,
                      mention=act if values["hints"] else ())]
    ack = Later(ACK, values, key=key, not_before=due, withdraw=not rows)
    by = ctx.roster.people[event.actor_id].titled if event.actor_id in ctx.roster.people else ""
    told = dict(ref=ref, school=school.name, by=by, count=len(rows))
    if room is not None:
        hints = await hint_values(ctx, finding, rows, namer(ctx, room=room)) if rows else []
        return [ack, Later(LATER_HINTS, dict(told, hints=hints), key=hints_key, room=room.chat_id, mention=act,
                           not_before=due, withdraw=not hints)]
    out = [ack]
    for p in act:  # no room for the school: each verifier privately, as the notice went
        hints = await hint_values(ctx, finding, rows, namer(ctx, people=(p,))) if rows else []
        out.append(Later(LATER_HINTS, dict(told, hints=hints), key=f"{hints_key}:{p.id}", to=p.chat_id,
                         mention=(p,), not_before=due, withdraw=not hints))
    return out


async def acknowledge(ctx: CommandContext, event: m.FindingEvent, rows: list[m.Evidence]) -> list[Later]:
    """Count `rows` (just attached to report `event`) in the burst still waiting to be acknowledged, or start one."""
    due = ctx.now + timedelta(seconds=ctx.settings.evidence_burst_seconds)
    waiting = await pending_keys(ctx.session, _prefix(event.id), due_after=ctx.now)
    key = waiting[-1] if waiting else f"{_prefix(event.id)}{rows[0].id}"
    return await _burst(ctx, event, key, due)


async def recount(ctx: CommandContext, event: m.FindingEvent) -> list[Later]:
    """Photos left report `event`: its waiting acknowledgements (and hints) say the new count, or are withdrawn at
    none."""
    acks = []
    for key in await pending_keys(ctx.session, _prefix(event.id)):
        acks += await _burst(ctx, event, key, None)
    return acks


def _which_prefix(latest: m.FindingEvent) -> str:
    return f"photos-which:{latest.id}:"


async def ask_which(ctx: CommandContext, together: list[tuple[m.FindingEvent, int]], rows: list[m.Evidence]) -> Later:
    """Photos after a `#问题` list (`together`: its findings' logging events and numbers) wait: the finder is asked,
    once a burst, which finding's they are — the count is every photo of his waiting since the list."""
    latest = max((e for e, _ in together), key=lambda e: e.id)
    due = ctx.now + timedelta(seconds=ctx.settings.evidence_burst_seconds)
    waiting = await pending_keys(ctx.session, _which_prefix(latest), due_after=ctx.now)
    key = waiting[-1] if waiting else f"{_which_prefix(latest)}{rows[0].id}"
    count = len(await evidence.waiting_photos(ctx.session, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                              since=latest.at))
    refs = [ledger.ref(n) for _, n in together]
    return Later(WHICH, dict(refs=refs, count=count, example=refs[0], private=ctx.private), key=key, not_before=due)


async def asked_no_more(ctx: CommandContext, event: m.FindingEvent) -> list[Later]:
    """The finder said which finding's his waiting photos are (#照片): the question still waiting is withdrawn."""
    together = await evidence.logged_together(ctx.session, event)
    if not together:
        return []
    latest = max((e for e, _ in together), key=lambda e: e.id)
    return [Later(WHICH, {}, key=key, withdraw=True)
            for key in await pending_keys(ctx.session, _which_prefix(latest))]


async def attach_to_report(ctx: CommandContext, event: m.FindingEvent) -> tuple[int, Moved | None, list[Later]]:
    """Give a new rectification report the photos that belong to it (bot.ledger.evidence.gather): how many, how
    many of them moved from another finding's report, and the waiting acknowledgements that now count otherwise."""
    got = await evidence.gather(ctx.session, event, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                window=timedelta(minutes=ctx.settings.evidence_window_minutes))
    if got.moved_from is None:
        return got.count, None, []
    acks = await recount(ctx, got.moved_from)
    if got.moved_from.finding_id == event.finding_id:
        return got.count, None, acks  # a second report of the same finding: the photos stay with that finding
    earlier = await ctx.session.get(m.Finding, got.moved_from.finding_id)
    assert earlier is not None  # the earlier report's finding (never deleted either)
    return got.count, Moved(got.moved, ledger.ref(earlier.number)), acks
