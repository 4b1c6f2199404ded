"""Reading a finding: the description as written, the deadline words taken out, the category by word."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.county.policy import Policy
from bot.domain.category_words import categorise
from bot.domain.deadlines import find_deadline
from bot.parsing.normalize import drop_word, drop_words
from handlers.findings import _category, parse_finding

CATEGORIES = Policy().categories
CTX = SimpleNamespace(roster=SimpleNamespace(policy=Policy()))


def described(text: str) -> tuple[str, str]:
    """(category, description) as log_finding reads them after the school (the first word) is taken."""
    cmd = parse_finding("问题", text)
    words = cmd.words[1:]
    return _category(CTX, words, drop_words(cmd.text, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "category", "description"), [
    ("城口中学 校门口护栏损坏，存在安全隐患；请尽快处理 月底前", "安全稳定", "校门口护栏损坏，存在安全隐患；请尽快处理"),
    ("城口中学 学生接送区域无人值守，存在交通安全隐患；需安排专人值守", "安全稳定",
     "学生接送区域无人值守，存在交通安全隐患；需安排专人值守"),
    ("城口中学 '; DROP TABLE findings; --", "其他", "'; DROP TABLE findings; --"),
    ("城口中学 安全稳定 消防通道堆放杂物 限期3天", "安全稳定", "消防通道堆放杂物"),
    ("城口中学 食堂：后厨留样记录不全 较重 5个工作日", "食品卫生", "后厨留样记录不全"),
    ("城口中学 护栏损坏 12月10日前整改到位", "安全稳定", "护栏损坏"),
    ("城口中学 “护栏”损坏😀！ 严重", "安全稳定", "“护栏”损坏😀！"),
])
def test_description_as_written(text: str, category: str, description: str) -> None:
    assert described(text) == (category, description)


@pytest.mark.parametrize(("text", "category"), [
    ("教学楼三楼走廊灭火器过期", "安全稳定"), ("配电房门未上锁", "安全稳定"), ("二楼瓷砖脱落", "安全稳定"),
    ("楼梯扶手松动", "安全稳定"), ("校门口护栏损坏", "安全稳定"), ("危化品未双人双锁", "安全稳定"),
    ("后厨留样记录不全", "食品卫生"), ("教案不全", "教学常规"), ("教学楼外墙涂鸦", "其他"),
    ("教师有偿补课", "师德师风"),
])
def test_category_by_word(text: str, category: str) -> None:
    assert categorise(text, CATEGORIES) == category


def test_a_county_keyword_jieba_would_cut_is_still_a_word() -> None:
    policy = Policy(categories=[{"name": "校园环境", "keywords": ["花坛破损"]}])
    assert categorise("操场边花坛破损严重", policy.categories) == "校园环境"


def test_drop_word_and_words() -> None:
    assert drop_words("城口中学:安全稳定 消防通道 堆放杂物，另有杂物", 2) == "消防通道 堆放杂物，另有杂物"
    assert drop_word("护栏损坏 严重 请处理", "严重") == "护栏损坏 请处理"
    assert drop_word("严重 护栏损坏", "严重") == "护栏损坏"
    assert drop_word("护栏严重损坏", "严重") == "护栏严重损坏"


_CHARS = "护栏灭火器走廊过期损坏存在隐患请尽快处理教学楼学生值守“”‘’\"'，。；;！？!?（）()😀- 、abcXYZ"


@settings(max_examples=300, deadline=None)
@given(body=st.text(alphabet=_CHARS, min_size=1, max_size=40))
def test_description_round_trips(body: str) -> None:
    body = " ".join(body.split())  # the parser folds runs of spaces (bot.parsing.normalize)
    assume(body and body[0] not in " :;,，；" and body[-1] not in " :;,，；")
    assume(find_deadline(body)[0] is None and not any(w in body.split() for w in ("一般", "较重", "严重")))
    assume(body.split()[0] not in {w for c in CATEGORIES for w in (c.name, *c.aliases)})
    assert described(f"城口中学 {body}")[1] == body
