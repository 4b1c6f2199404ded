"""bot.text.visible (and xml_text): no bidirectional override, zero-width or other invisible character of a user's is kept (a
zero-width joiner only inside an emoji); the chat renderer and the desk's pages print every value through it."""
from __future__ import annotations

import sys
import unicodedata

import pytest
from markupsafe import Markup

from bot.render import Renderer
from bot.text import visible, xml_text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_every_format_character_of_unicode_is_removed() -> None:
    """Every character of category Cf in the running Python's Unicode goes (the joiner alone, outside an emoji)."""
    kept = [f"U+{cp:04X}" for cp in range(sys.maxunicode + 1)
            if unicodedata.category(chr(cp)) == "Cf" and visible(f"a{chr(cp)}b") != "ab"]
    assert kept == []


def test_control_characters_stay_in_text_and_go_from_documents() -> None:
    """A message keeps its control characters (tests/app/test_bad_content.py); a workbook or a Word document,
    which cannot hold them, does not."""
    controls = [chr(cp) for cp in range(0x100) if unicodedata.category(chr(cp)) == "Cc" and chr(cp) not in "\t\n\r"]
    assert [c for c in controls if visible(f"a{c}b") != f"a{c}b"] == []
    assert [f"U+{ord(c):04X}" for c in controls if xml_text(f"a{c}\u202eb") != "ab"] == []
    assert xml_text("一\t二\r\n三\ufffe\uffff") == "一\t二\r\n三"


@pytest.mark.parametrize(("typed", "shown"), [
    ("\u202e整改完成", "整改完成"), ("gpj\u202e.exe", "gpj.exe"), ("\u2067消防\u2069通道", "消防通道"),
    ("\u200b\u2060\ufeff扶手", "扶手"), ("a\u00adb", "ab"), ("第\u200d一", "第一"), ("\u200d=1", "=1"),
    ("👨\u200d👩\u200d👧 家长", "👨\u200d👩\u200d👧 家长"), ("👩🏽\u200d⚕\ufe0f", "👩🏽\u200d⚕\ufe0f"),
    ("👍\u200d", "👍"), ("行一\n行二\t完", "行一\n行二\t完"), ("plain ascii", "plain ascii"),
])
def test_what_is_kept_and_what_goes(typed: str, shown: str) -> None:
    assert visible(typed) == shown


def test_chat_replies_print_values_without_them() -> None:
    env = Renderer().env
    text = env.from_string("问题：{{ d }}（{{ n }}）{{ items|join('、') }}").render(
        d="\u202e整改完成", n=3, items=["\u200b=1", "a\u2066b"])
    assert text == "问题：整改完成（3）=1、ab"
    assert not set(text) & set(BIDI)


def test_desk_pages_print_values_without_them_and_keep_markup_markup() -> None:
    from bot.web.page import _env

    html = _env.from_string('<p title="{{ d }}">{{ d }} {{ m }}</p>').render(d="\u202e<b>完成</b>",
                                                                             m=Markup("<i>\u2066x</i>"))
    assert html == '<p title="&lt;b&gt;完成&lt;/b&gt;">&lt;b&gt;完成&lt;/b&gt; <i>x</i></p>'
