"""The pure part of reading a message: is it addressed to the bot, which command word starts it, and the argument
readers commands share (a finding's id). Each command's own argument reader lives beside its handler (handlers/),
declared on its router (bot.routing.router); `Commands.parse` puts them together."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.contract.replies import UserError
from bot.parsing.normalize import normalize, strip_separators

_REF = re.compile(r"^[Qq]?0*(\d{1,9})(?![\d])")
# more ids after the first: Q2、Q3 / Q2,Q3 / Q2和Q3 (a list), Q2-Q4 / Q2至Q4 (a range); each with its Q
_MORE = re.compile(r"^\s*([、,，/和及与]|[-~～至到])\s*[Qq]0*(\d{1,9})(?![\d])")
MAX_REFS = 20


def addressed_text(text: str, bot_name: str, *, private: bool, mentions_bot: bool,
                   is_command: Callable[[str], bool]) -> str | None:
    """The part of a message meant for the bot, or None when it is ordinary chat; its line breaks kept (one each)."""
    text = normalize(text, keep_lines=True)
    mention = "@" + normalize(bot_name)
    if text.startswith(mention):
        return text[len(mention):].lstrip(" :\n").lstrip("#").strip()
    if mentions_bot and mention in text:  # "请 @督导助手 查询 Q3": the command follows the mention
        before, _, after = text.partition(mention)
        return (after.strip(" :\n") or before).lstrip("#").strip()
    if text.startswith("#"):
        return text.lstrip("#").strip()
    if private and is_command(text):
        return text
    return None


def split_command(body: str, words: Sequence[str]) -> tuple[str | None, str]:
    """The command word `body` starts with and the rest, separators stripped (`words` longest first, so that
    整改完成 wins over 整改)."""
    for word in words:
        if body.startswith(word):
            return word, strip_separators(body[len(word):].strip())
    return None, body


@dataclass(frozen=True)
class FindingRefs:
    """A command about findings named by id: the first, and those after it (#整改 Q2、Q3 …)."""

    ref: int
    more: tuple[int, ...] = field(default=(), kw_only=True)

    @property
    def refs(self) -> tuple[int, ...]:
        return (self.ref, *self.more)


def is_ref(text: str) -> bool:
    """Does `text` start with a finding id (Q12, q12, Q0012, 12)?"""
    return _REF.match(text) is not None


def parse_refs(rest: str, command: str) -> tuple[tuple[int, ...], str]:
    """The finding ids at the start of `rest` (one, a list or a range) and what follows them."""
    first, tail = parse_ref(rest, command, strip=False)
    refs = [first]
    while m := _MORE.match(tail):
        n = int(m.group(2))
        if m.group(1) in "-~～至到" and n > refs[-1]:
            refs += list(range(refs[-1] + 1, n + 1))
        elif n:
            refs.append(n)
        tail = tail[m.end():]
        if len(refs) > MAX_REFS:
            raise UserError("errors/too_many_refs.j2", command=command, limit=MAX_REFS)
    return tuple(dict.fromkeys(refs)), strip_separators(tail.strip())


def parse_ref(rest: str, command: str, *, strip: bool = True) -> tuple[int, str]:
    """The finding id at the start of `rest` and what follows it; a polite error naming the command without one."""
    m = _REF.match(rest)
    if not m or int(m.group(1)) == 0:
        raise UserError("errors/need_ref.j2", command=command)
    tail = rest[m.end():]
    return int(m.group(1)), strip_separators(tail.strip()) if strip else tail
