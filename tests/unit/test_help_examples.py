"""Help and the parser agree: every command written in a help topic is one the parser reads as that topic's
command (one source for both: the topics come from the command declarations)."""
from __future__ import annotations

import re

import pytest

from bot.contract import UserError
from bot.render import Renderer
from handlers import COMMANDS

TOPICS = COMMANDS.topics


def examples(text: str) -> list[str]:
    """The commands a help text shows: '#…' up to a dash, a slash or the end of the line; asides in （） dropped."""
    text = re.sub(r"（[^）]*）", "", text)
    found = []
    for line in text.splitlines():
        for part in re.split(r" / |——|；|，也可写", line):
            part = part.strip().removeprefix("例：")
            if part.startswith("#"):
                found.append(part.strip())
    return found


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_example_in_a_help_topic_is_read_as_that_command(topic: str) -> None:
    text = Renderer().render(TOPICS[topic])
    shown = examples(text)
    assert shown, f"help for {topic} shows no command"
    spec = COMMANDS.by_word[topic]
    for example in shown:
        found = COMMANDS.match(example, "督导助手")
        assert found is not None and found[0] is spec, f"{topic}: {example!r} is not read as #{topic}"
        try:
            spec.parse(found[1], found[2])
        except UserError as err:
            pytest.fail(f"{topic}: the parser refuses its own help example {example!r} ({err.template})")
