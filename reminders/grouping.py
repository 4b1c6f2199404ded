"""One notice per room: a rule's findings grouped by the room they reach, each finding's step recorded.

A notice listing one finding carries that finding's step key; a notice listing several carries a key derived
from theirs and records each of them as sent with it (notify.Covered).
"""
from __future__ import annotations

from collections.abc import Callable

from bot.contract import Context, Covered, Notice
from reminders import due_findings as q
from reminders.audience import Audience, Directory

Pairs = q.Pairs


def notices_by_room(ctx: Context, d: Directory, found: list[q.Due], *, scope: str, kind: str,
                    template: str, key: Callable[[q.Due], str], audience: Callable[[Pairs], Audience],
                    values: dict, step: int | None = None) -> list[Notice]:
    """A notice per room `scope` reaches for these findings (in their order): `values` and the list lines."""
    notices = []
    for room, pairs in q.by_room(d, scope, found).values():
        people = audience(pairs)
        covered = [Covered(key(f), f.id, step) for f, _ in pairs]
        lines, more = q.items(pairs, ctx.today, ctx.roster.tz)
        single = len(covered) == 1
        notices.append(Notice(
            key=covered[0].key if single else q.group_key(kind, [c.key for c in covered]), kind=kind,
            template=template, room=room.chat_id, mention=people.mention(), step=step,
            values=dict(values, items=lines, more=more, total=len(pairs),
                        ref=lines[0]["ref"] if single else None, **people.values()),
            finding_id=pairs[0][0].id if single else None, covers=() if single else tuple(covered),
        ))
    return notices
