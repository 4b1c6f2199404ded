"""The items of a #问题 list, read and checked with the county's knowledge before anything is logged: each item's
school (its own first word, else the one written before the list, else this school room's), category (named, else
the head's, else by word), severity and deadline (its own, else the head's), the sender's right to log it there,
and its due day. Any item that cannot be read refuses the whole message, the item named (nothing is logged)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.contract import CommandContext, UserError
from bot.county.policy import Severity
from bot.domain.category_words import categorise
from bot.domain.deadlines import DeadlineSpec
from bot.domain.permissions import Action, role_may, what_they_may_do
from bot.domain.roster import SchoolInfo
from bot.domain.schools import looks_like_school
from bot.domain.sources import ROUTINE
from bot.parsing.finding_list import MAX_ITEMS, split_list
from bot.parsing.normalize import drop_words, split_words
from handlers.steps.lookup import due_on, need, resolve_school

LINE = "\ue000"  # an item's line break while its words are read (the deadline reader tidies spaces away)


class Read(Protocol):
    """What handlers.findings.read_one gives: a finding's words with its source, deadline and severity taken."""

    @property
    def text(self) -> str: ...

    @property
    def deadline(self) -> DeadlineSpec | None: ...

    @property
    def severity(self) -> Severity | None: ...

    @property
    def source(self) -> str: ...

    @property
    def words(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Item:
    school: SchoolInfo
    category: str
    severity: Severity
    description: str
    due: date
    source: str


@dataclass(frozen=True)
class _Head:
    school: SchoolInfo | None = None
    category: str | None = None
    severity: Severity | None = None
    deadline: DeadlineSpec | None = None
    source: str | None = None


def _names_school(ctx: CommandContext, word: str) -> bool:
    return ctx.schools.resolve(word).school is not None or looks_like_school(word)


def _category_named(ctx: CommandContext, word: str) -> str | None:
    return next((c.name for c in ctx.roster.policy.categories if word in (c.name, *c.aliases)), None)


def _head(ctx: CommandContext, text: str, read_one: Callable[[str], Read]) -> tuple[_Head, tuple[str, ...]]:
    """What the head line gives every item, and its words left over (an intro such as 检查发现以下问题)."""
    if not text:
        return _Head(), ()
    try:
        read = read_one(text)
        words, deadline, severity, source = read.words, read.deadline, read.severity, read.source
    except UserError as err:
        if err.template != "errors/finding_usage.j2":  # a head with a school and a deadline only is no error
            raise
        words, deadline, severity, source = (), None, None, None
    school = None
    if words and _names_school(ctx, words[0]):
        school, words = resolve_school(ctx, words[0]), words[1:]
    category = _category_named(ctx, words[0]) if words else None
    if category is not None:
        words = words[1:]
    return _Head(school, category, severity, deadline, source if source != ROUTINE else None), words


def _head_only(ctx: CommandContext, line: str, read_one: Callable[[str], Read]) -> bool:
    """Is `line` only what a list's items share (a school, a category …; an intro ending in a colon)?"""
    try:
        _, left = _head(ctx, line, read_one)
    except UserError:
        return False
    return not left or line.rstrip().endswith((":", "："))


def read_list(ctx: CommandContext, raw: str, read_one: Callable[[str], Read]) -> list[Item] | None:
    """The items of the list `raw` holds, every one read and checked; None when `raw` is one finding."""
    listed = split_list(raw, lambda w: _names_school(ctx, w), lambda line: _head_only(ctx, line, read_one))
    if listed is None:
        return None
    if not role_may(what_they_may_do(ctx.actor), Action.LOG_FINDING):
        need(ctx, Action.LOG_FINDING)  # a principal's list: the one refusal, not one for its first item
    if len(listed.items) > MAX_ITEMS:
        raise UserError("findings/list_too_long.j2", count=len(listed.items), limit=MAX_ITEMS)
    head, _ = _head(ctx, listed.head.replace("\n", " "), read_one)
    items = []
    for n, text in enumerate(listed.items, 1):
        try:
            items.append(_item(ctx, head, text, read_one))
        except UserError as err:
            raise UserError("findings/list_bad_item.j2", list_index=n, list_item=text.replace("\n", " "),
                            list_inner=err.template, **err.values) from err
    return items


def _item(ctx: CommandContext, head: _Head, text: str, read_one: Callable[[str], Read]) -> Item:
    if not text.strip():
        raise UserError("errors/finding_usage.j2")
    read = read_one(text.replace("\n", f" {LINE} "))
    words, body = read.words, read.text
    school = None
    if words and _names_school(ctx, words[0]):
        school, words, body = resolve_school(ctx, words[0]), words[1:], drop_words(body, 1)
    school = school or head.school or _room_school(ctx)
    if school is None:
        raise UserError("errors/need_school.j2")
    need(ctx, Action.LOG_FINDING, school=school)
    category = _category_named(ctx, words[0]) if words else None
    if category is not None:
        body = drop_words(body, 1)
    description = "\n".join(" ".join(line.split()) for line in body.split(LINE)).strip(" \n；;，,。")
    if not split_words(description):
        raise UserError("errors/finding_usage.j2")
    categories = ctx.roster.policy.categories
    category = category or head.category or categorise(description, categories)
    severity: Severity = read.severity or head.severity or "一般"
    spec = read.deadline or head.deadline or ctx.roster.policy.default_deadline[severity]
    source = read.source if read.source != ROUTINE else (head.source or read.source)
    return Item(school, category, severity, description, due_on(spec, ctx.today, ctx), source)


def _room_school(ctx: CommandContext) -> SchoolInfo | None:
    if ctx.room and ctx.room.scope == "school":
        return ctx.roster.schools.get(ctx.room.school_id) if ctx.room.school_id is not None else None
    return None
