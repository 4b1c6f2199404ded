"""The #帮助 overview is made from the command table, so no command can be left out of it: every command declares
its usage, each usage is read as that command, and each appears in some role's overview (which role sees what is
checked through the app in tests/app/test_help_by_role.py)."""
from __future__ import annotations

import re

from bot.render import Renderer
from handlers import COMMANDS
from handlers.help import overview

WHO = ("unknown", "supervisor", "lead", "principal", "office")


def shown(who: str) -> str:
    return Renderer().render("help/overview.j2", lines=overview(COMMANDS, who), bot="督导助手")


def test_every_command_declares_its_usage_read_as_itself() -> None:
    for spec in COMMANDS.specs:
        if spec.fallback:
            assert not spec.usage  # "#…" that is no command: nothing to show
            continue
        assert spec.usage, f"{spec.command.__name__}: no usage for the #帮助 overview"
        for usage in spec.usage:
            assert usage.summary and "\n" not in usage.syntax + usage.summary, usage
            found = COMMANDS.match(usage.syntax, "督导助手")
            assert found is not None and found[0] is spec, f"{usage.syntax!r} is not read as {spec.command.__name__}"
            assert usage.action is None or usage.action in spec.actions, usage
            example = COMMANDS.match(usage.shown_example, "督导助手")
            assert example is not None and example[0] is spec, f"{usage.shown_example!r} is not {spec.command.__name__}"


def test_every_example_is_a_message_without_placeholders() -> None:
    """#帮助 shows one example a command: a message as sent, none of the syntax's placeholders left in it."""
    placeholders = re.compile(r"(?<!#本群 )学校 |要求$|描述|内容|原因|理由|专项 |新内容|原文号|绑定码|[\[\]|…]|/ ")
    for spec in COMMANDS.specs:
        for usage in spec.usage:
            assert not placeholders.search(usage.shown_example), usage.shown_example
            assert "；" not in usage.shown_example, usage  # the overview's separator between a line's usages


def test_every_usage_and_every_help_topic_appear_for_some_role() -> None:
    texts = {who: shown(who) for who in WHO}
    everything = "\n".join(texts.values())
    missing = [u.syntax for spec in COMMANDS.specs for u in spec.usage if f"· {u.syntax} —— " not in everything
               and f"；{u.syntax} —— " not in everything]
    assert missing == []
    assert [t for t in COMMANDS.topics if not re.search(f"#{t}(?![^ /；—])", everything)] == []
    for who, text in texts.items():
        lines = text.splitlines()
        assert lines[0] == "督导助手可以帮您记录和跟踪督导问题（命令以 # 开头）：", who
        assert lines[-1] == "发送“#帮助 命令名”查看详细说明，例如：#帮助 问题", who
        assert all(line.startswith("· #") for line in lines[1:-1]), who
