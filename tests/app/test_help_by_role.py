"""#帮助 lists, for each role, exactly the commands that role may use per the permission table
(bot.domain.permissions.can), in the routers' order — through the real app, for a person of each role.

The roles are those of tests/app/test_permissions_e2e.py; what each may is asked of `can` for the role's typical
person in tests/unit/test_permissions.py (at a school of theirs, for their district, on a finding they logged).
What everyone may (帮助, 绑定) is listed for a stranger only: a person on the roster is bound already."""
from __future__ import annotations

import pytest

from bot.domain.permissions import OPEN_TO_ALL, Action, can
from bot.domain.roles import Actor
from handlers import COMMANDS
from tests.unit import test_permissions as table

SENDERS = {"office": ("wxid_liujianguo", table.OFFICE), "supervisor": ("wxid_liming", table.SUPERVISOR),
           "lead": ("wxid_zhouyonghong", table.LEAD), "principal": ("wxid_zhaomin", table.PRINCIPAL),
           "stranger": ("wxid_stranger", table.UNKNOWN)}


def may(actor: Actor, action: Action) -> bool:
    where = dict(school_id=table.SCHOOL, district_id=table.DISTRICT)
    finder = actor.person_id if can(actor, Action.LOG_FINDING, **where) else None
    return can(actor, action, **where, finder_id=finder) and (not actor.known or action not in OPEN_TO_ALL)


def expected(actor: Actor) -> list[list[str]]:
    """Per command the role may use, in the table's order: the command words of its usages the role may (those that
    need a setting the test bot lacks — #链接 without WEB_PUBLIC_URL — not: tests/app/test_phone_links.py)."""
    lines = [[u.syntax.split()[0] for u in spec.usage
              if any(may(actor, a) for a in ((u.action,) if u.action else spec.actions)) and not u.needs]
             for spec in COMMANDS.specs]
    return [line for line in lines if line]


def listed(text: str) -> list[list[str]]:
    """The overview's lines as the command words they start with (one line may hold several: #月报 …；#汇总 …)."""
    return [[part.split()[0] for part in line.removeprefix("· ").split("；")]
            for line in text.splitlines() if line.startswith("· ")]


@pytest.mark.parametrize("role", list(SENDERS))
async def test_each_role_is_shown_exactly_what_it_may_use(harness, role: str) -> None:
    sender, actor = SENDERS[role]
    text = (await harness.one(None, sender, "#帮助")).text
    assert listed(text) == expected(actor), text
    assert text.endswith("发送“#帮助 命令名”查看详细说明，例如：#帮助 问题")


def test_the_roles_differ_and_the_office_sees_every_command() -> None:
    shown = {role: expected(actor) for role, (_, actor) in SENDERS.items()}
    assert len({str(lines) for lines in shown.values()}) == len(shown)
    office = {word for line in shown["office"] for word in line}
    assert office == {u.syntax.split()[0] for s in COMMANDS.specs for u in s.usage if not u.needs} - {"#帮助", "#绑定"}
