"""#整改 (a principal reports rectification) and the photos that prove it; the photos a finder sends after his
#问题 (问题照片) are gathered here too, the same way."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.domain.roster import PersonInfo, SchoolInfo
from bot.domain.visibility import home_room
from bot.ledger import evidence, images
from bot.ledger import lifecycle as ledger
from bot.messages import Button
from bot.parsing.parser import FindingRefs, parse_refs
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps import photo_acks
from handlers.steps.link_replies import link_hint, private_links
from handlers.steps.lookup import finding_for, require
from handlers.steps.reach import Change, announce, for_each, here_room

router = Router("rectification")


@dataclass(frozen=True)
class Rectify(FindingRefs):
    note: str = ""


def parse_rectify(word: str, rest: str) -> Rectify:
    refs, note = parse_refs(rest, word)
    return Rectify(ref=refs[0], note=note, more=refs[1:])


def _window(ctx: CommandContext) -> timedelta:
    return timedelta(minutes=ctx.settings.evidence_window_minutes)


@router.command(Rectify, "整改", "已整改", "整改完成", parse=parse_rectify, action=Action.RECTIFY,
                help={"整改": "help/rectify.j2"}, takes_ids=True,
                usage=Usage("#整改 Q12 整改情况", "报告整改（随后发照片）", example="#整改 Q12 已清理通道并张贴标识"))
async def rectify(cmd: Rectify, ctx: CommandContext) -> list[Reply]:
    return await for_each(ctx, cmd.refs, lambda number: _rectify_one(cmd, ctx, number))


async def _rectify_one(cmd: Rectify, ctx: CommandContext, number: int) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.RECTIFY)
    require(finding, ledger.RECTIFY, "报告整改")
    if not cmd.note:
        raise UserError("rectification/need_note.j2", ref=ledger.ref(finding.number))
    again = finding.status == ledger.RECTIFIED
    event = await ledger.transition(ctx.session, finding, ledger.RECTIFY, actor_id=ctx.actor.person_id, at=ctx.now,
                                    message_id=ctx.inbound.message_id, raw_text=ctx.inbound.recorded,
                                    note=cmd.note, room=ctx.inbound.room)
    photos, moved, acks = await photo_acks.attach_to_report(ctx, event)
    ref = ledger.ref(finding.number)
    verifiers = photo_acks.verifiers_of(ctx, finding, school)
    hints, notice_hints = await _hints(ctx, finding, school, event, verifiers) if photos else ([], [])
    values = dict(ref=ref, school=school.name, description=finding.description, note=cmd.note, photos=photos,
                  moved=moved, private=ctx.private, again=again, verifiers=[p.titled for p in verifiers],
                  by=ctx.actor.titled, window=ctx.settings.evidence_window_minutes,
                  overdue=ctx.now >= finding.deadline_at, hints=hints, link_hint=link_hint(ctx))
    return [*announce(ctx, Change(school, "rectification/reported.j2", values, act=verifiers,
                                  done=f"已收到 {ref} 的整改报告", notice="rectification/notice.j2",
                                  buttons=verify_buttons(ctx, ref), there=dict(hints=notice_hints))), *acks,
            *await private_links(ctx, finding, school, verifiers)]


@dataclass(frozen=True)
class PhotosOf(FindingRefs):
    pass


def parse_photos_of(word: str, rest: str) -> PhotosOf:
    refs, _ = parse_refs(rest, word)
    return PhotosOf(ref=refs[0])  # one finding's: the photos that wait go to one


@router.command(PhotosOf, "照片", parse=parse_photos_of, action=Action.LOG_FINDING, help={"照片": "help/photos_of.j2"},
                colon=False, takes_ids=True,  # "照片：见附件" is chat
                usage=Usage("#照片 Q12", "一次登记多项问题后，指明刚发的照片是哪一项的问题照片"))
async def photos_of(cmd: PhotosOf, ctx: CommandContext) -> list[Reply]:
    """The photos the finder sent here since he logged Q12 in a `#问题` list, waiting (bot.ledger.evidence), become
    Q12's 问题照片 — only his own finding, logged here by a message within the evidence window, not withdrawn."""
    finding, _ = await finding_for(ctx, cmd.ref, Action.LOG_FINDING)
    ref = ledger.ref(finding.number)
    created = await ctx.session.scalar(select(m.FindingEvent).where(
        m.FindingEvent.finding_id == finding.id, m.FindingEvent.kind.in_(evidence.PROBLEM_EVENTS)))
    if (created is None or created.actor_id != ctx.actor.person_id or created.message_id is None
            or created.at < ctx.now - _window(ctx) or finding.room_chat_id != ctx.inbound.room
            or finding.status == ledger.WITHDRAWN):
        raise UserError("findings/photos_of_not_now.j2", ref=ref, window=ctx.settings.evidence_window_minutes,
                        private=ctx.private)
    rows = await evidence.waiting_photos(ctx.session, sender=ctx.actor.chat_id, room=ctx.inbound.room,
                                         since=created.at)
    if not rows:
        raise UserError("findings/photos_of_none.j2", ref=ref, window=ctx.settings.evidence_window_minutes,
                        private=ctx.private)
    evidence.attach(rows, created)
    return [Reply("findings/photos_of_done.j2", dict(ref=ref, count=len(rows))),
            *await photo_acks.asked_no_more(ctx, created)]


def verify_buttons(ctx: CommandContext, ref: str) -> tuple[Button, ...]:
    """验收通过 / 不通过 under the request to verify: each runs the clicker's own #验收 (不通过 then asks the
    reason, as typing it without one does)."""
    return tuple(Button(ctx.renderer.render("verification/button.j2", verdict=verdict), f"#验收 {ref} {word}")
                 for verdict, word in (("pass", "通过"), ("fail", "不通过")))


async def _hints(ctx: CommandContext, finding: m.Finding, school: SchoolInfo, event: m.FindingEvent,
                 verifiers: tuple[PersonInfo, ...]) -> tuple[list[dict], list[dict]]:
    """The authenticity hints on this report's photos: (for the sender's answer here, for the notice where the
    school's people are). Another finding is named only where every reader of that message may see it
    (handlers.steps.photo_acks.namer): its school's room, a district room of its district, the office room, a
    private chat within the reader's rights."""
    rows = list(await ctx.session.scalars(select(m.Evidence).where(m.Evidence.event_id == event.id)
                                          .order_by(m.Evidence.id)))
    if not rows:
        return [], []
    room = home_room(ctx.roster, school, here_room(ctx))
    here = await photo_acks.hint_values(ctx, finding, rows, photo_acks.here_namer(ctx))
    if room is not None and room.chat_id == ctx.inbound.room:
        return here, here  # one message here does both
    there = photo_acks.namer(ctx, room=room) if room is not None else photo_acks.namer(
        ctx, people=[p for p in verifiers if p.chat_id != ctx.actor.chat_id])
    return here, await photo_acks.hint_values(ctx, finding, rows, there)


@router.photos
async def photos(ctx: CommandContext, held: tuple[Action, ...] | None) -> list[Reply]:
    """Keep the real photos (refusing the rest, by name) and attach them to the sender's latest rectification
    report — or finding he logged (问题照片) — in this room within the window; each burst of them is acknowledged
    once (handlers.steps.photo_acks). After a `#问题` list (several findings in one message) they wait, and the
    finder is asked once a burst which finding's they are (`#照片 Q12` says it: `photos_of`); after a finding he
    withdrew they wait too. `held`: they came with a command that failed (`#整改 Q33` for Q3), whose actions these
    are: they attach to no earlier report but wait, as photos sent alone before a report do, for the next one here
    within the window — after a failed #问题, for the next #问题 (its 问题照片) — and the sender hears so."""
    kept, refused = images.sort_files(ctx.inbound.files, max_mb=ctx.settings.evidence_max_mb)
    assert ctx.actor.person_id is not None  # the router hands only a known person's photos here
    report = None if held is not None else await evidence.recent_report(
        ctx.session, person_id=ctx.actor.person_id, room=ctx.inbound.room, since=ctx.now - _window(ctx))
    together = await evidence.logged_together(ctx.session, report) if report is not None else []
    if len(together) > 1:  # after a #问题 list: whose photos these are is the finder's to say (#照片 Q12)
        report = None
    # a word about a refused file when it was meant as a photo, or a report waits for photos (not for every
    # document people share in a group)
    told = [r for r in refused if r.claims_photo or report is not None]
    replies = [Reply("rectification/file_refused.j2", dict(files=told, max_mb=f"{ctx.settings.evidence_max_mb:g}",
                                                         problem=report is not None and evidence.is_problem(report)))
               ] if told else []
    if not kept:
        return replies
    problem = held is not None and Action.LOG_FINDING in held
    rows = await evidence.store(ctx.session, ctx.settings.evidence_dir, kept, sender=ctx.actor.chat_id,
                                room=ctx.inbound.room, at=ctx.now, message_id=ctx.inbound.message_id,
                                zone=ctx.roster.tz, held_for=evidence.HELD_FOR_PROBLEM if problem else None)
    if report is not None:  # else ordinary chat: kept, and attached if a report follows within the window
        evidence.attach(rows, report)
        replies += await photo_acks.acknowledge(ctx, report, rows)
    elif len(together) > 1:
        replies.append(await photo_acks.ask_which(ctx, together, rows))
    elif held is not None:
        replies.append(Reply("rectification/photos_held.j2", dict(
            count=len(rows), window=ctx.settings.evidence_window_minutes, problem=problem)))
    return replies
