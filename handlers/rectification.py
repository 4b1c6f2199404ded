"""#整改 (a principal reports rectification) and the photos that prove it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.permissions import Action
from bot.domain.roster import PersonInfo, SchoolInfo
from bot.handling import CommandContext, Reply
from bot.ledger import evidence
from bot.ledger import lifecycle as ledger
from bot.parsing.parser import parse_ref
from bot.routing import Router
from bot.storage import models as m
from handlers.common import finding_for, mentionable, require
from handlers.reach import Change, announce

router = Router("rectification")
PHOTO_BURST = timedelta(minutes=2)  # photos sent within this of each other are acknowledged once


@dataclass(frozen=True)
class Rectify:
    ref: int
    note: str = ""


def parse_rectify(word: str, rest: str) -> Rectify:
    ref, note = parse_ref(rest, word)
    return Rectify(ref=ref, note=note)


def _window(ctx: CommandContext) -> timedelta:
    return timedelta(minutes=ctx.settings.evidence_window_minutes)


@router.command(Rectify, "整改", "已整改", "整改完成", parse=parse_rectify, action=Action.RECTIFY,
                help={"整改": "help/rectify.j2"})
async def rectify(cmd: Rectify, ctx: CommandContext) -> list[Reply]:
    finding, school = await finding_for(ctx, cmd.ref, Action.RECTIFY)
    require(finding, ledger.RECTIFY, "报告整改")
    again = finding.status == ledger.RECTIFIED
    event = await ledger.transition(ctx.session, finding, ledger.RECTIFY, actor_id=ctx.actor.person_id, at=ctx.now,
                                    message_id=ctx.inbound.message_id, raw_text=ctx.inbound.text,
                                    note=cmd.note, room=ctx.inbound.room)
    photos = await evidence.attach_pending(ctx.session, event, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                           window=_window(ctx))
    ref = ledger.ref(finding.number)
    values = dict(ref=ref, school=school.name, description=finding.description, note=cmd.note, photos=photos,
                  again=again, verifiers=[p.name for p in verifiers_of(ctx, finding, school)], by=ctx.actor.name,
                  window=ctx.settings.evidence_window_minutes, overdue=ctx.now >= finding.deadline_at)
    return announce(ctx, Change(school, "rectification/reported.j2", values, act=verifiers_of(ctx, finding, school),
                                done=f"已收到 {ref} 的整改报告", notice="rectification/notice.j2"))


def verifiers_of(ctx: CommandContext, finding: m.Finding, school: SchoolInfo) -> tuple[PersonInfo, ...]:
    """Who verifies a rectification: the finder (if still active), and the school's other supervisors."""
    finder = ctx.roster.people.get(finding.finder_id)
    people = ([finder] if finder and finder.active else []) + ctx.roster.supervisors_of(school.id)
    return mentionable(list({p.id: p for p in people}.values()))


@router.photos
async def photos(ctx: CommandContext) -> list[Reply]:
    """Store the photos; attach them to the sender's rectification report in this room within the window."""
    rows = await evidence.store(ctx.session, ctx.settings.evidence_dir, ctx.inbound.files,
                                sender=ctx.actor.chat_id, room=ctx.inbound.room, at=ctx.now,
                                message_id=ctx.inbound.message_id)
    report = await evidence.recent_rectification(ctx.session, person_id=ctx.actor.person_id,
                                                 room=ctx.inbound.room, since=ctx.now - _window(ctx))
    if report is None:
        return []  # a photo with no report in the window is ordinary chat (kept, attached if a report follows)
    evidence.attach(rows, report)
    if await evidence.sent_just_before(ctx.session, rows, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                       since=ctx.now - PHOTO_BURST):
        return []  # one acknowledgement per burst of photos, not one per photo
    finding = await ctx.session.get(m.Finding, report.finding_id)
    return [Reply("rectification/photo_received.j2", dict(ref=ledger.ref(finding.number)))]
