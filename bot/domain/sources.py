"""Where a finding came from (来源, docs/design.md "The office's formal work"): everyday inspection by default, or a
专项督导 campaign, the city's 实地督查, the 质量监测 feedback, a complaint, something else. Stored as a short code;
shown by its label; typed by its label or a common short form."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    words: tuple[str, ...]  # what people type for it, the label first


ROUTINE, CAMPAIGN = "routine", "campaign"
SOURCES: tuple[Source, ...] = (
    Source(ROUTINE, "经常性督导", ("经常性督导", "经常性", "日常督导", "日常", "随机督导")),
    Source(CAMPAIGN, "专项督导", ("专项督导", "专项")),
    Source("city", "市级督查", ("市级督查", "市级督导", "市督查", "市级实地督查", "市级")),
    Source("monitoring", "质量监测反馈", ("质量监测反馈", "质量监测", "监测反馈", "监测")),
    Source("complaint", "投诉", ("投诉", "举报", "信访", "投诉举报")),
    Source("other", "其他", ("其他", "其它")),
)
BY_CODE = {s.code: s for s in SOURCES}
_BY_WORD = {w: s for s in SOURCES for w in s.words}
LABELS = {s.code: s.label for s in SOURCES}


def source_named(word: str) -> Source | None:
    """The source a typed word names (its label or a short form), or None."""
    return _BY_WORD.get(word.strip())


def label(code: str | None) -> str:
    return LABELS.get(code or ROUTINE, LABELS[ROUTINE])


def choices(but: str | None = None) -> str:
    """The labels (all but the code `but`), for a polite answer to a word that names none."""
    return "、".join(s.label for s in SOURCES if s.code != but)
