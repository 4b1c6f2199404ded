"""#链接 Q12: a personal link to the finding's phone page (issue #25 item 2), given only in a private chat — in a
group the bot says to ask it privately, and never shows a link there (the link itself: bot/ledger/finding_links.py,
the page it opens: bot/web/link_view.py, the links sent unasked: handlers/steps/link_replies.py)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.contract import CommandContext, Reply
from bot.domain.permissions import Action
from bot.ledger import lifecycle as ledger
from bot.parsing.parser import FindingRefs, parse_refs
from bot.routing import Router, Usage
from handlers.steps.link_replies import link_reply
from handlers.steps.lookup import finding_for
from handlers.steps.reach import for_each

router = Router("phone_links")


@dataclass(frozen=True)
class Link(FindingRefs):
    pass


def parse_link(word: str, rest: str) -> Link:
    refs, _ = parse_refs(rest, word)
    return Link(ref=refs[0], more=refs[1:])


@router.command(Link, "链接", "上传链接", parse=parse_link, action=Action.VIEW, help={"链接": "help/link.j2"},
                takes_ids=True, usage=Usage("#链接 Q12", "私聊获取这条问题的手机上传/验收链接", needs="web_public_url"))
async def link(cmd: Link, ctx: CommandContext) -> list[Reply]:
    public = ctx.settings.web_public_url
    if not public:
        return [Reply("links/not_set.j2", {})]
    if not ctx.private:  # a link is personal: never in a group, whoever reads it there
        return [Reply("links/private_only.j2", dict(ref=ledger.ref(cmd.ref)))]
    return await for_each(ctx, cmd.refs, lambda number: _link_one(ctx, number, public))


async def _link_one(ctx: CommandContext, number: int, public: str) -> list[Reply]:
    finding, school = await finding_for(ctx, number, Action.VIEW)
    if finding.status in (ledger.CLOSED, ledger.WITHDRAWN):
        return [Reply("links/finished.j2", dict(ref=ledger.ref(finding.number),
                                                status=ledger.STATUS_LABELS[finding.status]))]
    assert ctx.actor.person_id is not None  # finding_for lets only a person on the roster through
    person = ctx.roster.people[ctx.actor.person_id]
    return [await link_reply(ctx, person, finding, school, public, to=None)]
