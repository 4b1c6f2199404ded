"""#绑定 <code> (bind my chat account), #本群 学校/责任区/督导室 … (the office binds a room to a scope)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.routing import Router, Usage
from bot.storage import models as m
from bot.storage.roster_repo import bump_version
from bot.storage.session import Session
from handlers.steps.lookup import need, resolve_school

router = Router("binding")
MAX_BIND_FAILURES = 5  # wrong codes per account …
BIND_FAILURE_WINDOW = timedelta(hours=1)  # … within this window
SCOPE_LABELS = {"school": "学校", "district": "责任区", "office": "督导室", "none": "未绑定"}
_SCOPES = {"学校": "school", "责任区": "district", "督导室": "office", "解除": "none", "取消": "none"}


@dataclass(frozen=True)
class Bind:
    code: str


@dataclass(frozen=True)
class BindRoom:
    scope: str  # office / district / school / none
    name: str = ""


def parse_bind(word: str, rest: str) -> Bind:
    code = rest.replace(" ", "")
    if not code.isdigit():
        raise UserError("errors/bind_usage.j2")
    return Bind(code=code)


def parse_bind_room(word: str, rest: str) -> BindRoom:
    words = split_words(rest)
    if not words or words[0] not in _SCOPES:
        raise UserError("errors/bind_room_usage.j2")
    scope = _SCOPES[words[0]]
    target = " ".join(words[1:])
    if scope in ("school", "district") and not target:
        raise UserError("errors/bind_room_usage.j2")
    return BindRoom(scope=scope, name=target)


async def create_invite(session: Session, person: m.Person, *, now: datetime, ttl: timedelta) -> m.Invite:
    """A fresh single-use 6-digit code for `person`; earlier unused codes for them stop working."""
    for old in await session.scalars(select(m.Invite).where(m.Invite.person_id == person.id,
                                                           m.Invite.used_at.is_(None))):
        old.expires_at = min(old.expires_at, now)
    while True:
        code = f"{secrets.randbelow(900000) + 100000}"
        if await session.scalar(select(m.Invite.id).where(m.Invite.code == code)) is None:
            break
    invite = m.Invite(code=code, person_id=person.id, created_at=now, expires_at=now + ttl)
    session.add(invite)
    await session.flush()
    return invite


@router.command(Bind, "绑定", parse=parse_bind, action=Action.BIND, strangers=True, help={"绑定": "help/bind.j2"},
                usage=Usage("#绑定 绑定码", "绑定您的微信（绑定码向督导室索取）", example="#绑定 482913"))
async def bind(cmd: Bind, ctx: CommandContext) -> list[Reply]:
    failures = await ctx.session.scalar(select(func.count()).select_from(m.BindFailure).where(
        m.BindFailure.chat_id == ctx.actor.chat_id, m.BindFailure.at > ctx.now - BIND_FAILURE_WINDOW))
    if failures >= MAX_BIND_FAILURES:  # six digits are guessable by someone with time: make them wait
        raise UserError("roster/too_many_attempts.j2", minutes=int(BIND_FAILURE_WINDOW.total_seconds() // 60))
    invite = await ctx.session.scalar(select(m.Invite).where(m.Invite.code == cmd.code))
    person = await ctx.session.get(m.Person, invite.person_id) if invite else None
    if invite is None or invite.used_at is not None or invite.expires_at <= ctx.now or person is None \
            or not person.active:
        ctx.session.add(m.BindFailure(chat_id=ctx.actor.chat_id, at=ctx.now))  # kept: a reply, not an error
        return [Reply("roster/bad_code.j2", {})]
    holder = await ctx.session.scalar(select(m.Person).where(m.Person.chat_id == ctx.actor.chat_id))
    if holder is not None and holder.id != person.id:
        raise UserError("roster/already_bound.j2", name=holder.name)
    person.chat_id = ctx.actor.chat_id
    invite.used_at, invite.used_by = ctx.now, ctx.actor.chat_id
    await bump_version(ctx.session)
    school = ctx.roster.schools.get(person.school_id) if person.school_id else None
    return [Reply("roster/bound.j2", dict(name=person.name, role=person.role, school=school.name if school else ""))]


@router.command(BindRoom, "本群", parse=parse_bind_room, action=Action.BIND_ROOM, unbound="office",
                help={"本群": "help/bind_room.j2"}, usage=Usage("#本群 学校/责任区/督导室 名称", "绑定本群",
                                                              example="#本群 学校 城口中学"))
async def bind_room(cmd: BindRoom, ctx: CommandContext) -> list[Reply]:
    need(ctx, Action.BIND_ROOM)
    if ctx.inbound.room is None:
        raise UserError("roster/room_only.j2")
    room = await ctx.session.scalar(select(m.Room).where(m.Room.chat_id == ctx.inbound.room))
    if room is None:
        room = m.Room(chat_id=ctx.inbound.room, name="", source="chat")
        ctx.session.add(room)
    room.active, room.scope, room.district_id, room.school_id = True, None, None, None
    target = ""
    if cmd.scope == "school":
        school = resolve_school(ctx, cmd.name)
        room.scope, room.school_id, room.district_id, target = "school", school.id, school.district_id, school.name
    elif cmd.scope == "district":
        district = _district(ctx, cmd.name)
        room.scope, room.district_id, target = "district", district.id, district.name
    elif cmd.scope == "office":
        room.scope, target = "office", ctx.roster.county
    await bump_version(ctx.session)
    return [Reply("roster/room_bound.j2", dict(scope=SCOPE_LABELS[cmd.scope], target=target, chat_id=room.chat_id))]


def _district(ctx: CommandContext, name: str):
    found = [d for d in ctx.roster.districts.values() if name == d.name or (len(name) >= 2 and name in d.name)]
    if len(found) != 1:
        raise UserError("errors/district_unknown.j2", text=name,
                        names=[d.name for d in (found or ctx.roster.districts.values())])
    return found[0]
