"""综合督导考核 of schools: the indicators a county may weigh, each defined once here (docs/design.md, "The office's
figures" — 综合督导考核), and the one rule that turns a school's indicators into its score.

An indicator is read from the period's figures of one school (bot.domain.figures, counted as of the period's end by
bot.reports.as_of and, for 自查, bot.reports.school_assessment): a rate (part ÷ base, higher is better) or a count
(each one a deduction, fewer is better). It becomes 0–100 points:

- a rate: its whole percent (figures.percent), e.g. 3 of 4 on time → 75 points;
- a count: 100 less `deduction` points for each one (policy.school_assessment.overdue_deduction, 20 by default),
  never below 0.

不适用 (NOT APPLICABLE): a rate with nothing to divide by (a school with no finding due in the period has no
按期整改率; a period in which no 自查 fell due has no 自查按时率) is neither 0 nor full marks — it is left out, and
its weight goes to the indicators that apply, in proportion to their weights (`score`). A count always applies (no
overdue finding is 100 points). A school to which no weighted indicator applies has no score and no rank.

Adding an indicator is one row of INDICATORS naming the counts it reads, those counts put into each school's row by
bot.reports.school_assessment, and (when it should count by default) its weight in
bot.county.policy.DEFAULT_SCHOOL_WEIGHTS. A county file naming an indicator not here is told it is unknown.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from bot.domain.figures import percent

Counts = Mapping[str, int]
Better = Literal["higher", "lower"]
HIGHER: Better = "higher"
LOWER: Better = "lower"


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # as the county file, the reply, the desk and the workbook write it
    better: Better
    part: Callable[[Counts], int]  # what is counted
    base: Callable[[Counts], int] | None  # a rate's base (part ÷ base); None: a count, each one a deduction
    reads: str  # what it is, in the office's words (the 说明 sheet, the desk's note)
    part_name: str  # what `part` counts, in a breakdown: 按期整改
    base_name: str = ""  # what `base` counts: 已到期
    unit: str = "个"
    empty: str = ""  # why a rate does not apply: 期内没有已到期的问题

    @property
    def is_rate(self) -> bool:
        return self.base is not None

    def value(self, counts: Counts) -> int | None:
        """A rate in whole percent (None: 不适用, nothing to divide by), or the count."""
        if self.base is None:
            return self.part(counts)
        return percent(self.part(counts), self.base(counts))

    def points(self, counts: Counts, deduction: int) -> int | None:
        """0–100 points, or None when it does not apply (see the module's rule)."""
        if self.base is None:
            return max(0, 100 - deduction * self.part(counts))
        return self.value(counts)

    def rule(self, deduction: int) -> str:
        """How it becomes points, in one line."""
        if self.base is None:
            return f"满分100分，每个扣{deduction}分，扣完为止"
        return "按比率计分（百分之几即几分）；没有可计算的基数时不适用，其权重按比例分给其他适用的指标"


INDICATORS: tuple[Indicator, ...] = (
    Indicator("on_time_rate", "按期整改率", HIGHER, lambda c: c["on_time"], lambda c: c["due"],
              "按期整改 ÷ 已到期：期内登记、截至期末已到期的问题中，按期整改并销号的比例", "按期整改", "已到期",
              empty="期内登记的问题中没有已到期的"),
    Indicator("rate", "整改率", HIGHER, lambda c: c["closed"], lambda c: c["new"] - c["withdrawn"],
              "已销号 ÷ (新发现 − 已撤销)：期内登记的问题中，截至期末已销号的比例", "已销号", "新发现（不含撤销）",
              empty="期内没有登记问题（已撤销的不计）"),
    Indicator("rectify_overdue", "整改逾期", LOWER, lambda c: c["rectify_overdue"], None,
              "期末时整改逾期的问题数（含往期登记、仍待整改且已过期限的问题；申诉中的不计）", "整改逾期"),
    Indicator("self_check", "自查按时率", HIGHER, lambda c: c["self_check_on_time"], lambda c: c["self_check_due"],
              "按时自查 ÷ 应自查：截止日落在期内且已过的月份，在截止日（含）前提交自查的比例（校长请假的月份不计应报）",
              "按时自查", "应自查", "次", empty="期内没有已过截止日的自查"),
    Indicator("campaign_items", "专项检查符合率", HIGHER, lambda c: c["campaign_pass"],
              lambda c: c["campaign_pass"] + c["campaign_fail"],
              "符合 ÷ (符合 + 不符合)：期内登记的专项督导检查项结果中符合的比例"
              "（不适用的不计；同一项登记过几次的，以截至期末最后一次为准）",
              "符合项", "已检查项（不含不适用）", "项", empty="期内没有专项督导检查结果"),
)
BY_NAME = {i.name: i for i in INDICATORS}
BY_KEY = {i.key: i for i in INDICATORS}


def shares(points: Mapping[str, int | None], weights: Mapping[str, int]) -> dict[str, Fraction | None]:
    """Each indicator's weight after the 不适用 rule: its own weight scaled so that the weights of the indicators that
    apply add up to 100 (None for one that does not apply; all None when none that apply carries weight)."""
    applying = sum(w for name, w in weights.items() if points[name] is not None)
    return {name: Fraction(100 * w, applying) if applying and points[name] is not None else None
            for name, w in weights.items()}


def score(points: Mapping[str, int | None], weights: Mapping[str, int]) -> Fraction | None:
    """The school's score: the mean of its points weighted by `shares` (0–100), None when nothing applies."""
    weighted = shares(points, weights)
    if all(s is None for s in weighted.values()):
        return None
    return sum((Fraction(points[n] or 0) * s / 100 for n, s in weighted.items() if s is not None), Fraction(0))


def one_decimal(value: Fraction) -> float:
    """A score or a share as shown: one decimal, rounded half up."""
    return math.floor(value * 10 + Fraction(1, 2)) / 10


def ranks(scores: Mapping[int, float | None]) -> dict[int, int]:
    """Rank by score as shown, highest first; equal scores share a rank (1, 1, 3); no score, no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for i, s in enumerate(ordered, start=1):
        first.setdefault(s, i)
    return {k: first[s] for k, s in scores.items() if s is not None}
