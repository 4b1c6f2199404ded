"""Commands declared in one place, beside their handlers, in the way of aiogram's Router and Bolt's app.command.

A handler module owns a Router and declares each command once, on its handler:

    router = Router("rectification")

    @router.command(Rectify, "整改", "已整改", "整改完成", parse=parse_rectify, action=Action.RECTIFY,
                    help={"整改": "help/rectify.j2"}, usage=Usage("#整改 Q12 整改情况", "报告整改（随后发照片）"))
    async def rectify(cmd: Rectify, ctx: CommandContext) -> list[Reply]: ...

— its words (the first is the canonical one), how its arguments are read (`parse(word, rest)` returns the typed
command or raises UserError), the permissions it needs (`action`: rows of bot.domain.permissions), its help
topics and their templates, its line in the #帮助 overview (`usage`: how it is written and what it does, shown to
whoever may do its action), and who may use it where: `strangers` (open to people not on the roster) and
`unbound` (answered in a room not bound to a scope: "anyone" or "office"). The handlers package includes every
module's router; `Commands` is the compiled table the app parses and routes with.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.contract.context import CommandContext
from bot.contract.replies import Reply, UserError
from bot.domain.permissions import Action, role_may, what_they_may_do
from bot.messages import CARD_CLICK
from bot.parsing.normalize import normalize, strip_separators
from bot.parsing.parser import addressed_text, split_command
from bot.redaction import redact
from bot.routing import awaiting

log = logging.getLogger("dudao.router")
NEED_REASON = "errors/need_reason.j2"  # a command complete but for its reason: from a tap, the reason is awaited
MAX_LISTED = 8  # the findings a quote names that a question lists
HEAD = 200  # of a message too long to read, the characters that say whether it is addressed to the bot
_REF_ANYWHERE = re.compile(r"[Qq]0*(\d{1,9})(?!\d)")
# a finding named at the start of a command's rest: Q12, or a bare 12 — not a span (5天, 3个工作日, 2周)
_NAMES_FINDING = re.compile(r"[Qq]0*\d{1,9}(?!\d)|0*\d{1,9}(?![\d天日周月号个])")
_LEADING = re.compile(r"^[\s\W_]+")  # stray characters before a command word
_STRAY = re.compile(r"[\s·.。,，、:：;；'\"`~!！?？\-]")  # … or inside one
_FILLER = re.compile(r"^[了的过啦吧\s,，:：;；。.、]+")
Handler = Callable[[Any, CommandContext], Awaitable[list[Reply]]]
# (ctx, held): `held` None, or the command that came with the photos failed — the actions of that command (empty
# when it was no command we know)
PhotoHandler = Callable[[CommandContext, tuple[Action, ...] | None], Awaitable[list[Reply]]]
Parse = Callable[[str, str], Any]


@dataclass(frozen=True)
class Usage:
    """A command in the #帮助 overview: how it is written (`#验收 Q12 通过 / 不通过 原因`) and what it does, in a few
    words (`验收销号`); shown to the roles that may do `action` (None: any of the command's actions). A command
    whose words need different permissions (#自查 / #月报 / #汇总) declares one Usage per action; those a role may
    share one line. `example`: one message as a user would send it (`#验收 Q12 不通过 仍有杂物`), shown beside the
    syntax; a syntax with no placeholder is its own example."""

    syntax: str
    summary: str
    action: Action | None = None
    example: str = ""
    needs: str = ""  # a setting the line is shown only with (#链接: web_public_url); "": always

    @property
    def shown_example(self) -> str:
        return self.example or self.syntax


@dataclass(frozen=True)
class CommandSpec:
    command: type
    handler: Handler
    words: tuple[str, ...]
    parse: Parse
    actions: tuple[Action, ...]  # the permissions it may need (none: answered to anyone)
    help: dict[str, str] = field(default_factory=dict)  # help topic (one of `words`) → its template
    strangers: bool = False
    unbound: str | None = None  # None, "anyone" or "office"
    on_empty: bool = False  # a bare "#" or "@bot" means this command
    takes_ids: bool = False  # acts on findings named by id (#整改 Q3 …): what a near-miss with a Q-id may mean
    hints: tuple[str, ...] = ()  # everyday words that mean this command (宽限 → #申请延期): answered with its form
    form: str = ""  # the form to suggest for a hint ("Q编号 5天 原因")
    fallback: bool = False  # a "#word" that is no command: parse(word, "")
    usage: tuple[Usage, ...] = ()  # its line in the #帮助 overview (every command but the fallback has one)
    lines: bool = False  # reads its text's line breaks (#问题's list, one item a line); others get spaces
    quoted: tuple[str, ...] = ()  # bare words that mean this command in a message quoting a notice (通过 → #验收)
    colon: bool = True  # `word：…` in a group is this command mistyped (False: the word is too common a label)


@dataclass
class Router:
    name: str
    specs: list[CommandSpec] = field(default_factory=list)
    photo_handler: PhotoHandler | None = None

    def command(self, command: type, *words: str, action: Action | tuple[Action, ...] | None,
                parse: Parse | None = None, help: dict[str, str] | None = None, strangers: bool = False,
                unbound: str | None = None, on_empty: bool = False, fallback: bool = False,
                takes_ids: bool = False, hints: tuple[str, ...] = (), form: str = "",
                usage: Usage | tuple[Usage, ...] = (), lines: bool = False,
                quoted: tuple[str, ...] = (), colon: bool = True) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            actions = () if action is None else (action,) if isinstance(action, Action) else tuple(action)
            self.specs.append(CommandSpec(
                command, handler, words, parse or (lambda word, rest: command()), actions, help=help or {},
                strangers=strangers, unbound=unbound, on_empty=on_empty, fallback=fallback, takes_ids=takes_ids,
                hints=hints, form=form, usage=(usage,) if isinstance(usage, Usage) else tuple(usage), lines=lines,
                quoted=quoted, colon=colon))
            return handler
        return register

    def photos(self, handler: PhotoHandler) -> PhotoHandler:
        """The handler for messages that carry photos (from a person on the roster, in a bound room); told `held`
        — the failed command's actions — when the command they came with failed (they wait for the next report, or
        the next #问题 after a failed #问题, instead of joining a recent one)."""
        self.photo_handler = handler
        return handler

    def include(self, *routers: Router) -> Router:
        for router in routers:
            self.specs += router.specs
            self.photo_handler = router.photo_handler or self.photo_handler
        return self


class Commands:
    """The compiled command table: parse a message, route it, list the help topics."""

    def __init__(self, router: Router) -> None:
        self.specs = list(router.specs)
        self.photos = router.photo_handler
        self.by_word = {w: s for s in self.specs for w in s.words}
        self._longest_first = sorted(self.by_word, key=len, reverse=True)
        self.by_type = {s.command: s for s in self.specs}
        self._empty = next(s for s in self.specs if s.on_empty)
        self._quoted_words = sorted(((w, s) for s in self.specs for w in s.quoted), key=lambda ws: -len(ws[0]))
        self._fallback = next(s for s in self.specs if s.fallback)
        self._not_commands = (self._empty, self._fallback)  # what a message that may be a reason is addressed as
        if len(self.by_word) != sum(len(s.words) for s in self.specs) or len(self.by_type) != len(self.specs):
            raise ValueError("a command word or command type is declared twice")

    @property
    def topics(self) -> dict[str, str]:
        """Every help topic, in declaration order, with its template."""
        return {topic: template for s in self.specs for topic, template in s.help.items()}

    def usages(self, may: Callable[[Action], bool], has: Callable[[str], bool] = bool) -> list[list[Usage]]:
        """The #帮助 overview's lines, in the table's order: for each command, its usages whose action `may` allows
        (a usage without one: any of the command's actions) and whose setting, if it `needs` one, the bot `has`; a
        command with none left out."""
        lines = [[u for u in s.usage if any(may(a) for a in ((u.action,) if u.action else s.actions))
                  and (not u.needs or has(u.needs))] for s in self.specs]
        return [line for line in lines if line]

    def topic_of(self, word: str) -> str | None:
        """The help topic a word asks about: the word's own, or its command's first (销号 → 验收)."""
        spec = self.by_word.get(word)
        if spec is None or not spec.help:
            return None
        return word if word in spec.help else next(iter(spec.help))

    def match(self, text: str, bot_name: str, *, private: bool = False,
              mentions_bot: bool = False) -> tuple[CommandSpec, str, str] | None:
        """The command `text` is addressed as — its declaration, the word used and the rest — or None for chat."""
        body = addressed_text(text, bot_name, private=private, mentions_bot=mentions_bot,
                              is_command=lambda t: split_command(t, self._longest_first)[0] is not None)
        if body is None:
            return None
        if not body:
            return self._empty, "", ""
        word, rest = split_command(body, self._longest_first)
        if word is None:
            body = body.replace("\n", " ")
            return self._fallback, body.split(" ", 1)[0][:20], body
        spec = self.by_word[word]
        return spec, word, rest if spec.lines else rest.replace("\n", " ")

    def near(self, body: str) -> str | None:
        """For `#问 题 城口中学…` or `#。问题 …` (a command word broken by a space, or after a stray character): the
        message as it should be written (`#问题 城口中学…`); None when no command word is there."""
        body = body.replace("\n", " ")
        start = len(body) - len(_LEADING.sub("", body))
        letters = [(i, c) for i, c in enumerate(body[start:start + 12], start) if not _STRAY.fullmatch(c)]
        compact = "".join(c for _, c in letters)
        word = next((w for w in self._longest_first if compact.startswith(w)), None)
        if word is None or self.by_word[word].fallback:
            return None
        rest = body[letters[len(word) - 1][0] + 1:]
        return f"#{word} {strip_separators(rest.strip())}".strip()

    def colon_form(self, text: str, ctx: CommandContext) -> str | None:
        """`问题：城口中学 …` in a group, from someone who may use #问题: the message with its `#` (`#问题 城口中学 …`).
        Only a command word right before a colon, and only for its users: "问题：几点开会？" from others is chat."""
        word = next((w for w in self._longest_first if text.startswith(w) and text[len(w):].lstrip().startswith(":")),
                    None)
        if word is None:
            return None
        spec = self.by_word[word]
        who = what_they_may_do(ctx.actor)
        if not spec.colon or spec.fallback or not spec.actions or not any(role_may(who, a) for a in spec.actions):
            return None
        rest = text[len(word):].lstrip().removeprefix(":").strip()
        return f"#{word} {rest}".strip() if rest else None

    def suggest(self, text: str) -> str | None:
        """For a message meant for the bot that is not quite a command (`Q3已整改，灭火器已全部更换`): the command it
        looks like, in the right form (`#整改 Q3 灭火器已全部更换`). Only when it names a finding (a Q-id) and a
        command word: "这个问题怎么办" is a question, not a command."""
        ref = _REF_ANYWHERE.search(text)
        found = [(text.find(w), -len(w), w) for w in self._longest_first if w in text and self.by_word[w].takes_ids]
        if ref is None or not found:
            hinted = next((s for s in self.specs for h in s.hints if h in text), None)
            if hinted is None:
                return None
            number = f"Q{int(ref.group(1))}" if ref else "Q编号"
            return f"#{hinted.words[0]} {number} {hinted.form}".strip()
        _, _, word = min(found)
        rest = (text[:ref.start()] + " " + text[ref.end():]).replace(word, " ", 1)
        rest = _FILLER.sub("", " ".join(rest.split()))
        return " ".join(p for p in (f"#{word}", f"Q{int(ref.group(1))}", rest) if p)

    def parse(self, text: str, bot_name: str, *, private: bool = False, mentions_bot: bool = False) -> Any:
        """The command in `text`, or None for ordinary chat. Raises UserError for malformed arguments."""
        found = self.match(text, bot_name, private=private, mentions_bot=mentions_bot)
        return None if found is None else found[0].parse(found[1], found[2])

    async def route(self, ctx: CommandContext) -> list[Reply]:
        """Photos to the photo handler; a command to its handler, if the sender may use it here (checked before
        its arguments are read: a stranger or an unbound room hears nothing about them)."""
        inbound, bound = ctx.inbound, ctx.private or (ctx.room is not None and ctx.room.scope is not None)
        if inbound.length > ctx.settings.max_message_chars:
            return self._too_long(ctx, bound)
        if inbound.event == "enter_chat":  # a private chat opened: the on_empty command (#帮助) welcomes them
            return await self._command(ctx, bound, self._empty, "", "") if ctx.private else []
        lost = [Reply("rectification/photo_lost.j2", dict(count=inbound.files_lost, quoted=inbound.quoted is not None))
                ] if inbound.files_lost and ctx.actor.known and bound else []
        if inbound.files and ctx.actor.known and bound and self.photos is not None:
            # text and photos in one message (WeCom's mixed message, or a photo quoted): the command first (a
            # #整改 the photos attach to), then the photos; text that is no command adds nothing. The command in a
            # savepoint: one that fails (a typo in the id) writes nothing, and its photos wait for the next
            # report, as photos sent alone do
            try:
                async with ctx.session.begin_nested():
                    found = self._addressed(ctx) if inbound.text else None
                    first = await self._command(ctx, bound, *found) if found is not None else []
            except UserError as error:
                if inbound.via is not None:  # a form of the desk or a phone link: its page keeps the photos
                    raise
                return [Reply(error.template, error.values), *lost, *await self.photos(ctx, self._failed(ctx))]
            return first + lost + await self.photos(ctx, None)
        if not inbound.text:
            return lost
        if lost:  # the sender hears about the photos that were lost whatever the command's fate
            try:
                async with ctx.session.begin_nested():
                    found = self._addressed(ctx)
                    return (await self._command(ctx, bound, *found) if found is not None else []) + lost
            except UserError as error:
                return [Reply(error.template, error.values), *lost]
        if inbound.event == CARD_CLICK:
            return await self._tap(ctx, bound)
        found = self._addressed(ctx)
        if ctx.actor.known and (found is None and ctx.private or found is not None and found[0] in self._not_commands):
            awaited = await awaiting.take(ctx.session, inbound.sender, ctx.now)
            if awaited is not None:  # the reason a 不通过 tapped on a card waits for
                return await self._reason(ctx, bound, awaited, found)
        if found is None:
            if not ctx.private:  # chat — unless it is a command written with a colon instead of # (问题：…)
                hint = self.colon_form(normalize(inbound.text), ctx) if bound and ctx.actor.known else None
                return [Reply("help/near_command.j2", dict(suggestion=hint))] if hint else []
            hint = self.suggest(normalize(inbound.text))
            return [Reply("help/near_command.j2", dict(suggestion=hint)) if hint else Reply("help/private_hint.j2", {})]
        return await self._command(ctx, bound, *found)

    def _failed(self, ctx: CommandContext) -> tuple[Action, ...]:
        """The actions of the command a message that failed was addressed as (for its photos: a #问题's wait for
        the corrected #问题)."""
        found = self.match(ctx.inbound.text, ctx.settings.bot_name, private=ctx.private,
                           mentions_bot=ctx.inbound.mentions_bot) if ctx.inbound.text else None
        return found[0].actions if found is not None else ()

    async def _tap(self, ctx: CommandContext, bound: bool) -> list[Reply]:
        """A button tapped on a card (Inbound.event CARD_CLICK): its command, as the tapper's own. One that lacks
        only its reason (不通过, 驳回) waits for it: the tapper's next message to the bot (awaiting)."""
        found = self._addressed(ctx)
        if found is None:
            return []
        try:
            async with ctx.session.begin_nested():
                return await self._command(ctx, bound, *found)
        except UserError as error:
            if error.template != NEED_REASON:
                raise
        await awaiting.wait_for(ctx.session, sender=ctx.inbound.sender, room=ctx.inbound.room,
                                command=ctx.inbound.text, now=ctx.now)
        return [Reply("routing/reason_awaited.j2", dict(command=ctx.inbound.text, minutes=awaiting.REASON_MINUTES,
                                                        group=not ctx.private, bot=ctx.settings.bot_name),
                      to=ctx.inbound.sender if ctx.inbound.room else None)]

    async def _reason(self, ctx: CommandContext, bound: bool, awaited: str,
                      found: tuple[CommandSpec, str, str] | None) -> list[Reply]:
        """The message that gives a tapped 不通过 its reason (`@督导助手 仍有杂物`, or privately `仍有杂物`): the
        command with it, as if typed whole; `取消` cancels."""
        body = found[2] if found is not None and found[0].fallback else normalize(ctx.inbound.text).strip()
        if found is not None and found[0] is self._empty:
            body = ""
        if not body or body in awaiting.CANCEL:
            return [Reply("routing/reason_cancelled.j2", dict(command=awaited))]
        inbound = replace(ctx.inbound, text=f"{awaited} {body}", quoted=None)
        whole = replace(ctx, inbound=inbound)
        command = self.match(inbound.text, ctx.settings.bot_name, private=ctx.private, mentions_bot=True)
        return await self._command(whole, bound, *command) if command is not None else []

    def _addressed(self, ctx: CommandContext) -> tuple[CommandSpec, str, str] | None:
        """The command the message is addressed as, a quote's finding taken into account (`_quoting`)."""
        inbound = ctx.inbound
        found = self.match(inbound.text, ctx.settings.bot_name, private=ctx.private, mentions_bot=inbound.mentions_bot)
        return self._quoting(found, inbound, ctx.private)

    def _quoting(self, found: tuple[CommandSpec, str, str] | None, inbound: Any,
                 private: bool) -> tuple[CommandSpec, str, str] | None:
        """A message quoting another: a command about findings that names none takes the one the quoted text names
        (`@督导助手 已整改 通道已清理` quoting `已登记问题 Q3 …` is `#整改 Q3 通道已清理`), and a bare word declared
        for it means that command (`不通过 仍有杂物` quoting a report of Q3 is `#验收 Q3 不通过 仍有杂物`). A quote that
        names several asks which (UserError); one that names none leaves the command to ask for a number."""
        if inbound.quoted is None or (found is None and not private):
            return found
        spec, word, rest = found or (self._fallback, "", normalize(inbound.text).strip())
        if spec.fallback or spec is self._empty:
            body = rest if spec.fallback else ""
            meant = next((s for w, s in self._quoted_words if body.startswith(w)), None)
            if meant is None:
                return found
            spec, word, rest = meant, meant.words[0], strip_separators(body)
        if not spec.takes_ids or _NAMES_FINDING.match(rest):
            return spec, word, rest
        refs = list(dict.fromkeys(int(m.group(1)) for m in _REF_ANYWHERE.finditer(normalize(inbound.quoted))))
        if len(refs) > 1:
            raise UserError("errors/quote_names_several.j2", word=spec.words[0], rest=rest,
                            refs=[f"Q{n}" for n in refs[:MAX_LISTED]], more=max(0, len(refs) - MAX_LISTED))
        return spec, word, f"Q{refs[0]} {rest}".strip() if refs else rest

    def _too_long(self, ctx: CommandContext, bound: bool) -> list[Reply]:
        """A message over MAX_MESSAGE_CHARS is not read: not parsed, nothing filed, its photos not kept. Addressed to
        the bot (its beginning says so), its sender is asked to shorten it — where the bot would answer a command
        at all; ordinary chat (a long notice pasted into a group) gets nothing, as any chat does."""
        inbound, limit = ctx.inbound, ctx.settings.max_message_chars
        addressed = self.match(inbound.text[:HEAD], ctx.settings.bot_name, private=ctx.private,
                               mentions_bot=inbound.mentions_bot) is not None
        answered = addressed and (bound or ctx.actor.is_office)
        log.log(logging.WARNING if addressed else logging.INFO,
                "a message of %d characters (MAX_MESSAGE_CHARS %d) from %s in %s not read%s: %s…", inbound.length,
                limit, inbound.sender, inbound.room or "a private chat",
                "; asked to shorten it" if answered else "", redact(inbound.text[:40]))
        return [Reply("errors/too_long.j2", dict(length=inbound.length, limit=limit))] if answered else []

    async def _command(self, ctx: CommandContext, bound: bool, spec: Any, word: str, rest: str) -> list[Reply]:
        if not bound and not (spec.unbound == "anyone" or (spec.unbound == "office" and ctx.actor.is_office)):
            return [Reply("roster/room_unbound.j2", {})] if ctx.actor.is_office else []
        if not ctx.actor.known and not spec.strangers:
            return [Reply("refusals/not_allowed.j2", dict(who="unknown", reason="stranger", action="", school="",
                                                          district=""))]
        command = spec.parse(word, rest)
        return await self.by_type[type(command)].handler(command, ctx)  # "#查询 城口中学" is the school's list
