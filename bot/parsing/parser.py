"""Turn a chat message into a command. Only messages addressed to the bot (#… or @bot) are commands."""
from __future__ import annotations

import re

from bot.domain.deadlines import DeadlineError, find_deadline, parse_deadline_spec
from bot.handling.replies import UserError as ParseError
from bot.parsing import commands as c
from bot.parsing.normalize import normalize, split_words, strip_separators

# command word -> canonical name; aliases from DESIGN.md
COMMAND_WORDS: dict[str, str] = {
    "问题": "问题", "发现": "问题", "督查": "问题",
    "整改": "整改", "已整改": "整改", "整改完成": "整改",
    "验收": "验收", "销号": "销号",
    "撤销": "撤销", "延期": "延期", "查询": "查询", "清单": "清单",
    "到校": "到校", "统计": "统计", "导出": "导出", "帮助": "帮助",
    "绑定": "绑定", "本群": "本群",
    "自查": "自查", "月报": "月报", "汇总": "汇总", "开学检查": "开学检查",
    "周报": "周报", "通报": "通报", "请假": "请假", "销假": "销假",
}
_BY_LENGTH = sorted(COMMAND_WORDS, key=len, reverse=True)
_REF = re.compile(r"^[Qq]?0*(\d{1,9})(?![\d])")
SEVERITIES = ("一般", "较重", "严重")
_FAIL = ("不通过", "未通过", "不合格", "没通过")
_PASS = ("通过", "合格", "同意")


def addressed_text(text: str, bot_name: str, *, private: bool, mentions_bot: bool) -> str | None:
    """The part of a message meant for the bot, or None when it is ordinary chat."""
    text = normalize(text)
    mention = "@" + normalize(bot_name)
    if text.startswith(mention):
        return text[len(mention):].lstrip(" :").lstrip("#").strip()
    if mentions_bot and mention in text:  # "请 @督导助手 查询 Q3": the command follows the mention
        before, _, after = text.partition(mention)
        return (after.strip(" :") or before).lstrip("#").strip()
    if text.startswith("#"):
        return text.lstrip("#").strip()
    if private and _command_word(text)[0]:
        return text
    return None


def _command_word(text: str) -> tuple[str | None, str]:
    for word in _BY_LENGTH:
        if text.startswith(word):
            return COMMAND_WORDS[word], text[len(word):]
    return None, text


def parse_command(body: str) -> c.Command:
    """Parse what follows the trigger. Raises ParseError for a known command with bad arguments."""
    name, rest = _command_word(body)
    rest = strip_separators(rest.strip())
    if name is None:
        return c.Unknown(word=body.split(" ", 1)[0][:20])
    return _PARSERS[name](name, rest)


def parse_ref(rest: str, command: str) -> tuple[int, str]:
    m = _REF.match(rest)
    if not m or int(m.group(1)) == 0:
        raise ParseError("errors/need_ref.j2", command=command)
    return int(m.group(1)), strip_separators(rest[m.end():].strip())





def _finding(name: str, rest: str) -> c.Command:
    try:
        deadline, rest = find_deadline(rest)
    except DeadlineError as err:
        raise ParseError("errors/bad_deadline.j2", problem=err.user_message) from err
    words = list(split_words(rest))
    severity = next((w for w in words if w in SEVERITIES), None)
    if severity:
        words.remove(severity)
    if not words:
        raise ParseError("errors/finding_usage.j2")
    return c.NewFinding(words=tuple(words), deadline=deadline, severity=severity)


def _rectify(name: str, rest: str) -> c.Command:
    ref, note = parse_ref(rest, name)
    return c.Rectify(ref=ref, note=note)


def _verify(name: str, rest: str) -> c.Command:
    ref, tail = parse_ref(rest, name)
    if name == "销号" and not tail.startswith(_FAIL):
        return c.Verify(ref=ref, passed=True, reason=strip_separators(tail.removeprefix("通过")))
    for word in _FAIL:
        if tail.startswith(word):
            return c.Verify(ref=ref, passed=False, reason=strip_separators(tail[len(word):]))
    for word in _PASS:
        if tail.startswith(word):
            return c.Verify(ref=ref, passed=True, reason=strip_separators(tail[len(word):]))
    raise ParseError("errors/verify_usage.j2", ref=ref)


def _withdraw(name: str, rest: str) -> c.Command:
    ref, reason = parse_ref(rest, name)
    if not reason:
        raise ParseError("errors/need_reason.j2", command=name, ref=ref)
    return c.Withdraw(ref=ref, reason=reason)


def _extend(name: str, rest: str) -> c.Command:
    ref, tail = parse_ref(rest, name)
    try:
        deadline, reason = find_deadline(tail)
        if deadline is None and tail:
            deadline = parse_deadline_spec(tail.split(" ", 1)[0])
            reason = tail.split(" ", 1)[1] if " " in tail else ""
    except DeadlineError as err:
        raise ParseError("errors/bad_deadline.j2", problem=err.user_message) from err
    except ValueError:
        deadline = None
    if deadline is None:
        raise ParseError("errors/extend_usage.j2", ref=ref)
    return c.Extend(ref=ref, deadline=deadline, reason=strip_separators(reason))


def _query(name: str, rest: str) -> c.Command:
    if rest and not _REF.match(rest):  # "#查询 城口中学": people mean the school's list
        return c.ListFindings(words=split_words(rest))
    ref, _ = parse_ref(rest, name)
    return c.Query(ref=ref)


_LIST_FILTERS = {"逾期": "overdue", "超期": "overdue", "待验收": "rectified", "待整改": "open"}


def _list(name: str, rest: str) -> c.Command:
    words = list(split_words(rest))
    flt = next((w for w in words if w in _LIST_FILTERS), None)
    if flt:
        words.remove(flt)
    return c.ListFindings(filter=_LIST_FILTERS.get(flt or ""), words=tuple(words))


def _visit(name: str, rest: str) -> c.Command:
    words = split_words(rest)
    if not words:
        raise ParseError("errors/visit_usage.j2")
    return c.Visit(words=words)


def _bind(name: str, rest: str) -> c.Command:
    code = rest.replace(" ", "")
    if not code.isdigit():
        raise ParseError("errors/bind_usage.j2")
    return c.Bind(code=code)


_SCOPES = {"学校": "school", "责任区": "district", "督导室": "office", "解除": "none", "取消": "none"}


def _bind_room(name: str, rest: str) -> c.Command:
    words = split_words(rest)
    if not words or words[0] not in _SCOPES:
        raise ParseError("errors/bind_room_usage.j2")
    scope = _SCOPES[words[0]]
    target = " ".join(words[1:])
    if scope in ("school", "district") and not target:
        raise ParseError("errors/bind_room_usage.j2")
    return c.BindRoom(scope=scope, name=target)


_PROBLEMS = re.compile(r"(?:发现)?问题\s*(\d+)\s*[个项条处]?")


def _term_check(name: str, rest: str) -> c.Command:
    m = _PROBLEMS.search(rest)
    problems = int(m.group(1)) if m else None
    if m:
        rest = rest[: m.start()] + rest[m.end():]
    words = list(split_words(rest))
    done = "未完成" not in words
    words = [w for w in words if w not in ("完成", "已完成", "未完成")]
    if not words:
        raise ParseError("errors/term_check_usage.j2")
    return c.TermCheck(words=tuple(words), done=done, problems=problems)


_PARSERS = {
    "问题": _finding, "整改": _rectify, "验收": _verify, "销号": _verify,
    "撤销": _withdraw, "延期": _extend, "查询": _query, "清单": _list, "到校": _visit,
    "统计": lambda n, r: c.Stats(words=split_words(r)),
    "导出": lambda n, r: c.Export(words=split_words(r)),
    "帮助": lambda n, r: c.Help(topic=COMMAND_WORDS.get(r.lstrip("#").strip()) or (r or None)),
    "绑定": _bind, "本群": _bind_room,
    "自查": lambda n, r: c.Submit(kind=n, text=r), "月报": lambda n, r: c.Submit(kind=n, text=r),
    "汇总": lambda n, r: c.Submit(kind=n, text=r),
    "开学检查": _term_check,
    "周报": lambda n, r: c.Digest(kind="weekly"), "通报": lambda n, r: c.Digest(kind="bulletin"),
    "请假": lambda n, r: c.Leave(text=r),
    "销假": lambda n, r: c.EndLeave(name=r),
}


def parse(text: str, bot_name: str, *, private: bool = False, mentions_bot: bool = False) -> c.Command | None:
    """The command in `text`, or None for ordinary chat. Raises ParseError for malformed arguments."""
    body = addressed_text(text, bot_name, private=private, mentions_bot=mentions_bot)
    if body is None:
        return None
    if not body:
        return c.Help()
    return parse_command(body)
