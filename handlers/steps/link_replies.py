"""Links to a finding's phone page in the chat's replies (issue #25 item 2): the link itself, privately
(bot/ledger/finding_links.py issues it), and whether a group's notice says how to ask for one."""
from __future__ import annotations

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action, can
from bot.domain.roster import PersonInfo, SchoolInfo
from bot.ledger import finding_links as links
from bot.ledger import lifecycle as ledger
from bot.storage import models as m


async def link_reply(ctx: CommandContext, person: PersonInfo, finding: m.Finding, school: SchoolInfo, public: str,
                      *, to: str | None) -> Reply:
    token = await links.issue(ctx.session, person_id=person.id, finding=finding, now=ctx.now)
    actor = ctx.roster.actor_of(person)
    rectify = can(actor, Action.RECTIFY, school_id=school.id, district_id=school.district_id)
    verify = can(actor, Action.VERIFY, school_id=school.id, district_id=school.district_id,
                 finder_id=finding.finder_id)
    until = (ctx.now + (links.MAX_DAYS * links.DAY)).astimezone(ctx.roster.tz)
    return Reply("links/link.j2", dict(ref=ledger.ref(finding.number), school=school.name,
                                       url=links.url(public, token), until=until.strftime("%Y-%m-%d"),
                                       rectify=rectify, verify=verify, unasked=to is not None), to=to)


async def private_links(ctx: CommandContext, finding: m.Finding, school: SchoolInfo,
                        people: tuple[PersonInfo, ...]) -> list[Reply]:
    """With WEB_PUBLIC_URL set, each of `people` (who must act next) gets a link to the finding, privately — those
    the transport can reach privately (bound in chat), but not the sender, who may ask (#链接)."""
    public = ctx.settings.web_public_url
    if not public:
        return []
    return [await link_reply(ctx, p, finding, school, public, to=p.chat_id)
            for p in people if p.chat_id and p.chat_id != ctx.actor.chat_id]


def link_hint(ctx: CommandContext) -> bool:
    """Do the notices say how to get a link privately (私聊我发送“#链接 Q12”…)? Only with WEB_PUBLIC_URL, and not in
    the answer to a form sent from the desk or a link (its sender is on the page already)."""
    return bool(ctx.settings.web_public_url) and ctx.inbound.via is None
