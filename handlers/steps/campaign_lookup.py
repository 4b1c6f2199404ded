"""What a 专项督导 command names: the campaign (by name, kind or a fragment of its name), and a checklist's results
as people type them (`1符合 2不符合 课后服务未覆盖全部学生 3不适用`, `作业总量控制 符合`, `其余符合`) — each a polite
question back (UserError) when it names nothing, or more than one thing."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.contract import CommandContext, UserError
from bot.obligations.campaigns import RESULT_WORDS, CampaignInfo, ItemInfo, campaigns, choose
from bot.parsing.normalize import split_words, strip_separators

_RESULT = re.compile("|".join(sorted(RESULT_WORDS, key=len, reverse=True)))
_ORDINAL = re.compile(r"^第?(\d{1,3})项?[.、．:：]?$")
_TRAILING_NUMBER = re.compile(r"^(?P<note>.*?)(?:第)?(?P<n>\d{1,3})项?[.、．:：]?$")
REST_WORDS = ("其余", "其他", "其它", "其余各项", "其他各项", "全部", "各项", "其余项")


async def campaign_for(ctx: CommandContext, word: str | None) -> CampaignInfo:
    """The campaign `word` names; without a word, the one campaign whose window is open (else a question)."""
    every = await campaigns(ctx.session)
    match = choose(every, word, ctx.today)
    if match.campaign is None:
        raise UserError("campaigns/which.j2", word=word or "", names=[c.name for c in match.candidates],
                        known=[c.name for c in every])
    return match.campaign


@dataclass(frozen=True)
class Entry:
    item: ItemInfo
    result: str  # pass / fail / na
    note: str


def read_results(text: str, campaign: CampaignInfo, recorded: set[int]) -> list[Entry]:
    """The results typed in `text`, in order; a later one for the same item wins. `其余符合` gives that result to
    every item neither named here nor `recorded` already. An item that names nothing is a question back."""
    marks = list(_RESULT.finditer(text))
    if not marks:
        raise UserError("campaigns/check_usage.j2", name=campaign.name, items=[i.label for i in campaign.items])
    found: list[tuple[str, str, str]] = []  # (item word, result, note)
    start = 0
    for n, mark in enumerate(marks):
        before = text[start:mark.start()]
        if n and found:  # the text between two results: the previous one's note, then this one's item
            note, word = _split_tail(before)
            found[-1] = (found[-1][0], found[-1][1], note)
        else:
            word = strip_separators(before)
        found.append((word, RESULT_WORDS[mark.group()], ""))
        start = mark.end()
    found[-1] = (found[-1][0], found[-1][1], strip_separators(text[start:]))
    return _entries(found, campaign, recorded)


def _split_tail(text: str) -> tuple[str, str]:
    """(the note, the item word) from the text before a result: the last word names the item."""
    words = split_words(text)
    if not words:
        return "", ""
    last = words[-1]
    head = strip_separators(text[:text.rstrip().rfind(last)])
    number = _TRAILING_NUMBER.match(last)
    if number and number["note"] and not _ORDINAL.match(last):  # "全部学生3不适用": the note runs into the number
        return strip_separators(f"{head} {number['note']}"), number["n"]
    return head, last


def _entries(found: list[tuple[str, str, str]], campaign: CampaignInfo, recorded: set[int]) -> list[Entry]:
    entries: dict[int, Entry] = {}
    rest: list[tuple[str, str]] = []
    unknown: list[str] = []
    for word, result, note in found:
        if word in REST_WORDS:
            rest.append((result, note))
            continue
        item = _item(campaign, word)
        if item is None:
            unknown.append(word or "（未写检查项）")
            continue
        entries.pop(item.id, None)
        entries[item.id] = Entry(item, result, note)
    if unknown:
        raise UserError("campaigns/item_unknown.j2", words=unknown, name=campaign.name,
                        items=[i.label for i in campaign.items])
    for result, note in rest:
        for item in campaign.items:
            if item.id not in entries and item.id not in recorded:
                entries[item.id] = Entry(item, result, note)
    return list(entries.values())


def _item(campaign: CampaignInfo, word: str) -> ItemInfo | None:
    """The item a word names; or, when the note ran into it, the item whose title (or number) ends the word."""
    number = _ORDINAL.match(word)
    found = campaign.item(number.group(1) if number else word)
    if found or not word:
        return found
    ends = [i for i in campaign.items if word.endswith(i.title)]
    return max(ends, key=lambda i: len(i.title)) if ends else None
