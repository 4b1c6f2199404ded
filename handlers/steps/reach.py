"""Where a reply goes: the one routing rule for state changes and the room rule for what may be shown.

A state change at a school reaches the people who must act next wherever it happened (docs/design.md, "Where messages
go"): at the school's room with an @-mention when it has one, else at its district's room, else privately. The
sender hears where they spoke — the whole message when this room may show the school (and where the others were
told), else only a short acknowledgement naming where the details went. When the school's place is where the
sender spoke, one message there does both.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.contract import CommandContext, Reply, UserError
from bot.domain.roster import PersonInfo, RoomInfo, SchoolInfo
from bot.domain.visibility import home_room, room_shows, room_shows_all, room_shows_district
from bot.messages import Button


def here_room(ctx: CommandContext) -> RoomInfo | None:
    """The room the command came from (None: a private chat)."""
    return None if ctx.private else ctx.room


def shows(ctx: CommandContext, school: SchoolInfo) -> bool:
    """May this reply show `school`'s findings where the command came from?"""
    return _known(ctx) and room_shows(here_room(ctx), school)


def shows_all(ctx: CommandContext) -> bool:
    """May this reply show every school (the office room, or a private chat within the sender's rights)?"""
    return _known(ctx) and room_shows_all(here_room(ctx))


def shows_district(ctx: CommandContext, district_id: int) -> bool:
    return _known(ctx) and room_shows_district(here_room(ctx), district_id)


def _known(ctx: CommandContext) -> bool:
    """A private chat or a room on the roster (a room we know nothing of shows nothing)."""
    return ctx.private or ctx.room is not None


@dataclass(frozen=True)
class Change:
    """A change at `school` to tell `act` (who must act next): `template` with `values`, and `done`, the few words
    of the acknowledgement when the details may not be shown here ("已登记 Q12")."""

    school: SchoolInfo
    template: str
    values: dict
    act: tuple[PersonInfo, ...]
    done: str
    notice: str | None = None  # the template for the notice where the school's people are, when not `template`
    buttons: tuple[Button, ...] = ()  # on the message that asks `act` to act (a tap runs the command)
    there: dict = field(default_factory=dict)  # values for the notice only, when it is not said here (its readers
    # differ: what may be named to them — a photo hint's other finding — may not be here, and the other way round)


def announce(ctx: CommandContext, change: Change) -> list[Reply]:
    """The replies for `change`: the notice where the school's people are, and the sender's answer here."""
    act = tuple(p for p in change.act if p.chat_id and p.chat_id != ctx.actor.chat_id)
    names = [p.name for p in change.act if p.chat_id]
    room = home_room(ctx.roster, change.school, here_room(ctx))
    base = dict(change.values, notified_where="", notified_who=names)
    buttons = change.buttons if act else ()
    if room is not None and room.chat_id == ctx.inbound.room:
        return [Reply(change.template, base, mention=act, buttons=buttons)]
    notice = change.notice or change.template
    told = dict(base, **change.there)
    if room is not None:
        there = [Reply(notice, told, mention=act, room=room.chat_id, buttons=buttons)]
        where = room.name or room.chat_id
    else:
        there = [Reply(notice, told, mention=(p,), to=p.chat_id, buttons=buttons) for p in act]
        where = "私信" if there else ""
    if shows(ctx, change.school):
        here = Reply(change.template, dict(base, notified_where=where))
    else:
        here = Reply("routing/elsewhere.j2", dict(done=change.done, where=where, school=change.school.name,
                                                  names=names))
    return [here, *there]


def to_office(ctx: CommandContext, template: str, values: dict, *, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    """What the office must decide (a #申请延期, a #申诉): to the office room, its people @-mentioned; privately to
    each of them when there is no office room — with `buttons` that decide it in one tap, where there are any."""
    office = ctx.roster.office_room()
    people = tuple(p for p in ctx.roster.office_people if p.chat_id)
    if office is not None:
        return [Reply(template, values, mention=people, room=office.chat_id, buttons=buttons)]
    return [Reply(template, values, mention=(p,), to=p.chat_id, buttons=buttons) for p in people]


def elsewhere(ctx: CommandContext, school: SchoolInfo, reply: Reply) -> list[Reply]:
    """A read-only answer about `school`: here when this room may show it, else privately to the sender with a
    short word here."""
    return here_or_private(ctx, shows(ctx, school), school.name, reply)


def here_or_private(ctx: CommandContext, shown: bool, what: str, reply: Reply) -> list[Reply]:
    """`reply` here when `shown`, else privately to the sender, with a short word here naming `what` it is about."""
    if shown:
        return [reply]
    private = Reply(reply.template, reply.values, mention=(), to=ctx.actor.chat_id, files=reply.files)
    return [Reply("routing/sent_privately.j2", dict(school=what)), private]


async def for_each(ctx: CommandContext, refs: tuple[int, ...],
                   act: Callable[[int], Awaitable[list[Reply]]]) -> list[Reply]:
    """Act on each finding of `#整改 Q2、Q3 …`: each in a savepoint of its own, so an id that cannot be acted on is
    named with its reason while the others go through; the replies for one place become one message."""
    if len(refs) == 1:
        return await act(refs[0])
    replies: list[Reply] = []
    for ref in refs:
        try:
            async with ctx.session.begin_nested():
                replies += await act(ref)
        except UserError as err:
            replies.append(Reply(err.template, err.values))
    return combine(ctx, replies)


def combine(ctx: CommandContext, replies: list[Reply]) -> list[Reply]:
    """One message per destination, in order: the texts joined, every mention kept."""
    groups: dict[tuple[str | None, str | None], list[Reply]] = {}
    for reply in replies:
        groups.setdefault((reply.room, reply.to), []).append(reply)
    out = []
    for (room, to), group in groups.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        mention = tuple({p.id: p for r in group for p in r.mention}.values())
        parts = [ctx.renderer.render(r.template, **r.values) for r in group]
        out.append(Reply("routing/combined.j2", dict(parts=parts), mention=mention, room=room, to=to,
                         files=tuple(f for r in group for f in r.files)))
    return out
