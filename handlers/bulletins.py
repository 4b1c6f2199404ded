"""#印发通报 and #更正通报: the office issues a 通报 — the month's, or a 专项督导's — with its 文号 and 印发日期, or
corrects one issued.

    #印发通报 2024年3月 城督〔2024〕3号 [印发日期 4月2日]
    #印发通报 双减 城督〔2024〕6号 [截至 3月31日] [印发日期 4月2日]      (also #印发专项通报)
    #更正通报 城督〔2024〕3号 城督〔2024〕5号 [理由] [印发日期 4月9日]

What names a campaign (its name, kind or a fragment of its name, bot.obligations.campaigns.find) is a 专项督导通报,
its figures as of the day after 截至 (the campaign's last day by default, or the 印发日期 when that comes first);
anything else is read as the month. The document is made and stored by bot.reports.issued (frozen as issued; every
refusal there changes nothing) and sent, as a file with a short text, to the rooms the county names
(`policy.bulletin_rooms`: the office room by default, the districts' rooms when the county says so) — through the
outbox, in the message's transaction, so a redelivered message sends nothing again. The file is written where the
bot's other files wait to be sent (exports/, beside the evidence), under the 文号's name, before the transaction
commits: the outbox rows name it, and a restart sends it from there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.contract import CommandContext, Reply, UserError
from bot.domain.doc_numbers import looks_like
from bot.domain.permissions import Action
from bot.domain.roster import RoomInfo, Roster
from bot.obligations.campaigns import CampaignInfo, campaigns, find
from bot.parsing.dates import DateRangeError, day_named, is_day
from bot.parsing.normalize import split_words
from bot.reports.bulletin_doc import TemplateUnusable
from bot.reports.issued import Issue, Refused, Templates, issue_bulletin
from bot.routing import Router, Usage
from bot.storage import models as m
from handlers.steps.asked_period import month_asked, not_before_the_first_record
from handlers.steps.campaign_lookup import campaign_for
from handlers.steps.lookup import need
from handlers.steps.reach import shows_all
from handlers.steps.views import exports_dir

router = Router("bulletins")
DATE_WORDS = ("印发日期", "印发时间", "日期", "印发")
AS_OF_WORDS = ("截至", "截止", "数据截至")
REASON_WORDS = ("理由", "原因", "更正原因")
# spaces inside a 文号: 城督〔 2024 〕 3 号 → 城督〔2024〕3号 (a space before its 〔 still separates two words)
_GLUED = re.compile(r"(?<=[〔\[［【(（])\s+|\s+(?=[〕\]］】)）])|(?<=[〕\]］】)）])\s+(?=\d+\s*号)|(?<=\d)\s+(?=号)")


@dataclass(frozen=True)
class IssueBulletin:
    """#印发通报 / #更正通报, as written: the month, the 文号(s), the 印发日期, the reason of a correction."""

    correction: bool = False
    month: str = ""  # the words naming the month or the campaign
    campaign: bool = False  # #印发专项通报: the words name a campaign
    as_of: str = ""  # a 专项督导通报's 截至 day, as written
    number: str = ""  # the new 文号
    corrects: str = ""  # the 文号 corrected (#更正通报)
    day: str = ""  # the 印发日期 ("": today)
    reason: str = ""


def _labelled(w: str, words: list[str], labels: tuple[str, ...]) -> str | None:
    """The day after one of `labels` (`印发日期4月2日`, `截至 3月31日`: taken from `words`); None: not so labelled."""
    label = next((d for d in labels if w.startswith(d) and (w == d or is_day(w[len(d):]))), None)
    if label is None:
        return None
    return w[len(label):] or (words.pop(0) if words and is_day(words[0]) else "")


def parse_issue(word: str, rest: str) -> IssueBulletin:
    numbers: list[str] = []
    day, as_of, others = "", "", []
    words = list(split_words(_GLUED.sub("", rest)))
    correction = word == "更正通报"
    while words:
        w = words.pop(0)
        if not as_of and (found := _labelled(w, words, AS_OF_WORDS)) is not None:
            as_of = found or "?"
            continue
        if not day and (found := _labelled(w, words, DATE_WORDS)) is not None:
            w = found
            if not w:
                continue
        if is_day(w) and not day:
            day = w
        elif looks_like(w) and len(numbers) < (2 if correction else 1):
            numbers.append(w)
        else:
            others.append(w)
    if not correction:
        return IssueBulletin(month=" ".join(others), number=numbers[0] if numbers else "", day=day,
                             campaign=word == "印发专项通报", as_of=as_of)
    reason = " ".join(others[1:] if others and others[0] in REASON_WORDS else others)
    return IssueBulletin(correction=True, corrects=numbers[0] if numbers else "",
                         number=numbers[1] if len(numbers) > 1 else "", day=day, reason=reason[:200])


@router.command(IssueBulletin, "印发通报", "印发专项通报", "更正通报", parse=parse_issue, action=Action.ISSUE_BULLETIN,
                help={"印发通报": "help/bulletin_issue.j2", "印发专项通报": "help/bulletin_issue.j2",
                      "更正通报": "help/bulletin_issue.j2"},
                usage=(Usage("#印发通报 2024年3月 城督〔2024〕3号", "印发月度通报（文号，印发日期默认今天）"),
                       Usage("#印发通报 双减 城督〔2024〕6号 [截至日期]",
                             "印发专项督导通报（也可写 #印发专项通报 双减 …）",
     example="#印发通报 双减 城督〔2024〕6号"),
                       Usage("#更正通报 原文号 新文号 理由", "更正已印发的通报",
                             example="#更正通报 城督〔2024〕3号 城督〔2024〕5号 数据有误")))
async def issue(cmd: IssueBulletin, ctx: CommandContext) -> list[Reply]:
    """Issue (or correct) the month's 通报: stored as issued, sent to the county's rooms, answered where asked."""
    need(ctx, Action.ISSUE_BULLETIN)
    if not shows_all(ctx):
        raise UserError("digests/office_room_only.j2")
    if not cmd.number:  # said first: without its 文号 nothing else matters
        raise UserError("digests/bulletin_refused.j2", why="no_number", correction=cmd.correction)
    try:
        issued_on = day_named(cmd.day, ctx.today) if cmd.day else ctx.today
    except DateRangeError:
        raise UserError("digests/bulletin_refused.j2", why="bad_date", text=cmd.day[:20]) from None
    month, campaign, as_of = None, None, None
    if not cmd.correction:
        if not cmd.month:
            raise UserError("digests/bulletin_refused.j2", why="no_month")
        campaign = await _campaign_named(ctx, cmd)
        if campaign is None:
            month = month_asked(ctx, cmd.month, strict=True)
            await not_before_the_first_record(ctx, month.first, month.last, month.label)
        elif cmd.as_of:
            try:
                as_of = day_named(cmd.as_of, ctx.today)
            except DateRangeError:
                raise UserError("digests/bulletin_refused.j2", why="bad_date", text=cmd.as_of[:20]) from None
    assert ctx.actor.person_id is not None  # need() let the office through: a person on the roster
    asked = Issue(month=month, number=cmd.number, issued_on=issued_on, by=ctx.actor.person_id,
                  corrects=cmd.corrects, reason=cmd.reason, message_id=ctx.inbound.message_id, campaign=campaign,
                  as_of=as_of)
    templates = Templates(ctx.renderer.render, ctx.settings.bulletin_template, ctx.settings.campaign_template)
    try:
        row = await issue_bulletin(ctx.session, ctx.roster, ctx.now, asked, templates)
    except Refused as refused:
        raise UserError("digests/bulletin_refused.j2", **refused.template_values()) from None
    except TemplateUnusable as err:
        raise UserError("digests/bulletin_template_bad.j2", **err.values()) from None
    path = exports_dir(ctx) / row.name
    path.write_bytes(row.document)
    corrected = await ctx.session.get(m.Bulletin, row.corrects_id) if row.corrects_id is not None else None
    values = dict(number=row.number, title=row.title, label=row.label, day=row.issued_on, name=row.name,
                  corrects=corrected.number if corrected else "")
    rooms, here = recipients(ctx.roster), ctx.inbound.room
    names = {r.chat_id: r.name or r.chat_id for r in rooms}
    replies = [Reply("digests/bulletin_issued.j2", dict(values, ack=chat_id == here,
                                                        rooms=[n for c, n in names.items() if c != here]),
                     room=chat_id, files=(str(path),)) for chat_id in names]
    if here not in names:  # asked privately, or where it is not sent: the answer carries the file too
        replies.append(Reply("digests/bulletin_issued.j2", dict(values, ack=True, rooms=list(names.values())),
                             files=(str(path),)))
    return replies


async def _campaign_named(ctx: CommandContext, cmd: IssueBulletin) -> CampaignInfo | None:
    """The campaign the words name (None: they name none, so a month); #印发专项通报 asks which when unclear."""
    if cmd.campaign:
        return await campaign_for(ctx, cmd.month.removeprefix("专项").strip() or None)
    every = await campaigns(ctx.session)
    return find(every, cmd.month, ctx.today).campaign if every else None


def recipients(roster: Roster) -> list[RoomInfo]:
    """The rooms an issued 通报 goes to (policy.bulletin_rooms): the office room, then each active district's."""
    wanted = roster.policy.bulletin_rooms
    rooms: list[RoomInfo] = []
    office = roster.office_room()
    if "office" in wanted and office is not None:
        rooms.append(office)
    if "district" in wanted:
        for district in sorted(roster.districts.values(), key=lambda d: d.id):
            room = roster.room_for_district(district.id)
            if room is not None:
                rooms.append(room)
    return rooms
