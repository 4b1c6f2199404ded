"""Width folding shared by the parser and the deadline reader, and text made safe for where it goes (cells,
markdown).

Full-width ASCII forms (＃ Ｑ１２ ： ＠ ３) fold to half-width so code sees one spelling, but the
Chinese sentence punctuation people write (，！？（）；) is kept as typed: it is their text.
"""
from __future__ import annotations

import re
import unicodedata

_KEEP = set("，！？（）；")
_FOLD: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP}
_FOLD.update({0x3000: 0x20})  # ideographic space
_FOLD.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None))  # zero-width characters


def fold_width(text: str) -> str:
    return (text or "").translate(_FOLD)


def clean(text: str) -> str:
    """Text any database and any platform accepts: a lone surrogate (from a broken client or JSON's \\ud800)
    becomes U+FFFD, and NUL is dropped (PostgreSQL refuses it in text)."""
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "")


# Characters nobody sees but that change what is seen: every invisible format character (Unicode category Cf — the
# bidirectional overrides, embeddings, isolates and marks U+202A–202E, U+2066–2069, U+200E/200F, U+061C that make
# 整改完成 show as 成完改整 and gpj.exe as exe.jpg; the zero-width space, word joiner and BOM U+200B, U+2060, U+FEFF;
# the soft hyphen; the tag characters). The ranges are Unicode 15.1's (tests/unit/test_visible.py checks them
# against the running Python's unicodedata).
# U+200D ZERO WIDTH JOINER is the one exception, and only inside an emoji sequence (👨‍👩‍👧, 👩‍⚕️: after an emoji, a skin
# tone or VS16 and before another emoji): there it is part of what people typed and changes no direction; anywhere
# else (leading a text, between letters, before `=`) it goes like the rest.
# Control characters are not format characters: a message keeps them as written (tests/app/test_bad_content.py);
# `xml_text` takes them out where an XML document (a workbook, a Word document) cannot hold them.
_CF_RANGES = ((0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
              (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200C), (0x200E, 0x200F),
              (0x202A, 0x202E), (0x2060, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
              (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
              (0xE0020, 0xE007F))
_ZWJ = "\u200d"
_INVISIBLE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _CF_RANGES) + "]+")
_EMOJI_BEFORE_ZWJ = ("So", "Sk")  # an emoji or a skin tone (U+1F3FB–1F3FF are Sk); VS16 U+FE0F is checked apart
# the control characters other than tab and line breaks (C0, DEL, C1), and the noncharacters U+FFFE/U+FFFF
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]+")


def _joins_emoji(text: str, at: int) -> bool:
    before, after = text[at - 1] if at else "", text[at + 1] if at + 1 < len(text) else ""
    return (bool(before) and (before == "\ufe0f" or unicodedata.category(before) in _EMOJI_BEFORE_ZWJ)
            and bool(after) and unicodedata.category(after) == "So")


def visible(text: str) -> str:
    """`text` without the invisible format characters above (a zero-width joiner kept only inside an emoji
    sequence): what every door applies to user text — where a message comes in (bot.app) and where stored text
    goes out (the chat replies, the desk's pages, the workbooks, the Word 通报)."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text)
    if _ZWJ in text:
        text = "".join(ch for i, ch in enumerate(text) if ch != _ZWJ or _joins_emoji(text, i))
    return text


def xml_text(text: str) -> str:
    """`text` as a workbook or a Word document holds it: `visible`, and without the control characters (which XML
    may not hold, and Excel refuses) other than tab and line breaks."""
    return visible(_CONTROLS.sub("", text))


# What a spreadsheet (Excel, LibreOffice, WPS) reads as the start of a formula, ASCII and full-width, or of a cell it
# re-parses (tab, CR, LF)
FORMULA_LEADS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")
CELL_MARK = "'"


def cell_text(text: str) -> str:
    """`text` as a workbook cell holds it, never a formula: the one neutralising function every text written to a
    workbook of the project passes. The invisible characters go first (`xml_text`: control characters, which Excel
    refuses, and the zero-width and bidirectional ones that would hide a leading `=`); then a text that starts —
    after any spaces — with a formula's lead gets a leading apostrophe, shown as typed."""
    text = xml_text(text)
    if text.startswith(FORMULA_LEADS) or text.lstrip().startswith(FORMULA_LEADS):
        return CELL_MARK + text
    return text


def from_cell_text(text: str) -> str:
    """The text that `cell_text` made `text` from (its apostrophe taken off again), for a workbook read back."""
    if text.startswith(CELL_MARK) and cell_text(text[1:]) == text:
        return text[1:]
    return text


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')  # not in a file name on Windows (where it may be opened)


def file_stem(text: str) -> str:
    """`text` fit for a file's name: every character Windows refuses there becomes -."""
    return _NOT_IN_FILE_NAMES.sub("-", text)


# Markdown (CommonMark, and WeCom's markdown on top of it): the characters that make emphasis, code, links, tables and
# strike-through anywhere, and the ones that start a heading, a quote, a list or a heading's underline at the start
# of a line. `<`, `>` and an entity-like `&` become entities: WeCom reads `<@userid>` and `<font …>` as tags before
# any markdown escape would count, and an entity is no tag.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]~|])")
_MD_LINE_START = re.compile(r"^([ \t]*)([#=+\-]|\d+(?=[.)]))", re.MULTILINE)
_MD_ENTITY_LIKE = re.compile(r"&(?=[A-Za-z#])")


def markdown_literal(text: str) -> str:
    """`text` as markdown that shows it as typed: no heading, emphasis, code, link, quote, list or tag (`<@userid>`,
    which would notify someone the sender chose) comes of it. Every text a transport sends as markdown passes here;
    only the transport's own @-mention tags are added after."""
    text = _MD_ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if not m.group(2).isdigit()
                              else f"{m.group(1)}{m.group(2)}\\", text)
