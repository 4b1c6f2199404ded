"""bot.text.markdown_literal: what users typed, sent as markdown, shows as typed — checked by undoing the escapes
the way a CommonMark renderer reads them, and by looking for what would render as markup."""
from __future__ import annotations

import html
import re

import pytest

from bot.messages import Outbound
from bot.text import markdown_literal
from bot.transports.wecom.wecom_send import markdown_text

_BACKSLASHED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation escapes it
_TAG = re.compile(r"<@[^>]*>|<font|<[a-z]")
_MARKUP = re.compile(r"(?<!\\)(\*|_|`|\[|\]|~|\|)|^[ \t]*(#|>|[-+=]|\d+[.)])", re.MULTILINE)


def shown(markdown: str) -> str:
    """What a CommonMark renderer shows of escaped text: backslash escapes and entities undone."""
    return html.unescape(_BACKSLASHED.sub(r"\1", markdown))


@pytest.mark.parametrize("typed", [
    "# 标题", "## 二级\n正文", "**加粗** 和 *斜体* 和 _下划线_", "[点我](https://evil.example/x)", "`code`",
    "> 引用", "- 列表\n+ 也是\n1. 编号", "标题\n===", "请 <@wangfang> 处理", "<font color=\"warning\">红</font>",
    "&lt;@wangfang&gt; 已是实体", "反斜杠 \\# 也照原样", "~~删除~~ | 表格 |", "通道已清理，照片见后。",
])
def test_what_users_type_shows_as_typed_and_makes_no_markup(typed: str) -> None:
    escaped = markdown_literal(typed)
    assert shown(escaped) == typed
    assert not _TAG.search(escaped) and not _MARKUP.search(escaped), escaped


def test_plain_chinese_is_left_as_it_is() -> None:
    assert markdown_literal("Q3 已登记，限期3天（至12月10日）。") == "Q3 已登记，限期3天（至12月10日）。"


def test_only_the_bots_own_mentions_are_tags() -> None:
    out = Outbound(room="c", to=None, text="# Q3 <@wangfang> **急**", mentions=("liuyang",), mention_names=("刘*洋",))
    tagged = markdown_text(out, "tag")
    assert re.findall(r"<@([^>]*)>", tagged) == ["liuyang"]
    assert shown(tagged.removeprefix("<@liuyang> ")) == "# Q3 <@wangfang> **急**"
    assert markdown_text(out, "name") == "@刘\\*洋 \\# Q3 &lt;@wangfang&gt; \\*\\*急\\*\\*"
    odd = Outbound(room="c", to=None, text="x", mentions=("a>b <@c",))
    assert markdown_text(odd, "tag") == "<@ab@c> x"
