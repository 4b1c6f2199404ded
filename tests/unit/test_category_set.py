"""The default category keywords measured on labelled inspection findings written for these tests: the set they were
tuned on (tests/data/categories.csv: 642 descriptions, checklist-style and colloquial) and sets written before the
changes they measure (see HOLDOUT). Figures are floors a little under what was measured; what is missed should fall
to 其他 (which the reply shows, to be corrected with #修改) rather than to a wrong category.

    python -m tests.unit.test_category_set    # the figures, precision and recall per category
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bot.county.categories import DEFAULT_CATEGORIES, DEFAULT_KEYWORDS, Category
from bot.county.yaml_source import load_county_yaml
from bot.domain.category_words import categorise, scores

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "tests" / "data" / "categories.csv"
# written after the keywords were tuned on SET and measured once, never tuned on: how the keywords do on findings
# they were not fitted to (most misses must fall to 其他)
UNSEEN = ROOT / "tests" / "data" / "categories-unseen.csv"
# issue #27, written without looking at the keyword lists, each before the changes it measures (docs/design.md,
# "Categories"): HOLDOUT (211, checklist style) measured before (79.1% right, 4.7% wrong) and after (95.3%, 1.4%)
# the keywords were broadened and weighed, then its errors fixed; HOLDOUT2 (89, colloquial) measured before (53.9%,
# 13.5%) and after (62.9%, 18.0%) the colloquial tuning sets were added, then its errors fixed; HOLDOUT3 (79) never
# tuned on: 48.1% and 6.3% on the first keywords, 68.4% and 8.9% after the first round, 75.9% and 6.3% after the
# second (checklist vocabulary, a winner must lead by a quarter)
HOLDOUT = ROOT / "tests" / "data" / "categories-holdout.csv"
HOLDOUT2 = ROOT / "tests" / "data" / "categories-holdout2.csv"
HOLDOUT3 = ROOT / "tests" / "data" / "categories-holdout3.csv"
# issue #27 item 4, second round: HOLDOUT4 (160, half checklist, half colloquial, 16 a category) written before any
# change of that round, measured before it at 88.1% right, 4.4% 其他, 7.5% wrong and after it (checklist vocabulary,
# a winner must lead by a quarter) at 88.8%, 5.0%, 6.2%; then the words its errors showed were added (93.1%, 2.5%)
HOLDOUT4 = ROOT / "tests" / "data" / "categories-holdout4.csv"
DEMO = ROOT / "bot" / "data" / "demo-county.yaml"
SHARED = Path("/work/shared/data/demo-county.yaml")


def _rows(path: Path = SET) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(r["description"], r["category"]) for r in csv.DictReader(f)]


def figures(county: Path, path: Path = SET) -> dict:
    """Right, 其他 and wrong counts, and precision and recall per category."""
    cats = load_county_yaml(county).policy.categories
    rows = _rows(path)
    got = [(want, categorise(text, cats)) for text, want in rows]
    hits, filed, labelled = Counter(), Counter(), Counter()
    for want, found in got:
        labelled[want] += 1
        filed[found] += 1
        hits[want] += want == found
    right = sum(hits.values())
    fallback = sum(1 for want, found in got if found == "其他" and want != "其他")
    per = {c: (hits[c] / filed[c] if filed[c] else 1.0, hits[c] / labelled[c]) for c in labelled}
    return dict(total=len(rows), right=right, fallback=fallback, wrong=len(rows) - right - fallback, per=per)


def test_the_set_is_large_and_covers_every_category() -> None:
    rows = _rows()
    names = {c.name for c in load_county_yaml(ROOT / "bot" / "data" / "demo-county.yaml").policy.categories}
    assert len(rows) >= 300 and len({t for t, _ in rows}) == len(rows)  # no description twice
    assert {c for _, c in rows} == names  # every category of the demo county, and only those


@pytest.mark.parametrize("county", [ROOT / "bot" / "data" / "demo-county.yaml", SHARED], ids=["project", "shared"])
def test_at_least_nine_in_ten_are_filed_right_and_the_rest_mostly_under_other(county: Path) -> None:
    if not county.exists():
        pytest.skip(f"{county} is not on this machine")
    found = figures(county)
    assert found["right"] / found["total"] >= 0.94, found  # measured 94.7%
    assert found["wrong"] / found["total"] <= 0.025, found  # 1.7%: a miss goes to 其他, not to a wrong category
    for name, (precision, recall) in found["per"].items():  # 其他 is where the misses go: its precision is low
        assert (precision >= 0.9 or name == "其他") and recall >= 0.85, (name, precision, recall)


@pytest.mark.parametrize(("path", "size", "right", "wrong"), [
    (UNSEEN, 40, 0.87, 0.03),  # measured 90.0% right, 2.5% wrong
    (HOLDOUT, 211, 0.97, 0.015),  # 98.1%, 0.5% (its errors seen and fixed)
    (HOLDOUT2, 89, 0.85, 0.07),  # 87.6%, 5.6% (its errors seen and fixed)
    (HOLDOUT3, 79, 0.73, 0.08),  # 75.9%, 6.3%: never tuned on, the figure to expect of new colloquial text
    (HOLDOUT4, 160, 0.91, 0.04),  # 93.1%, 2.5% (its errors seen and fixed; fresh: 88.8%, 6.2%)
], ids=["unseen", "holdout", "holdout2", "holdout3", "holdout4"])
def test_findings_the_keywords_were_not_fitted_to(path: Path, size: int, right: float, wrong: float) -> None:
    found = figures(DEMO, path)
    assert found["total"] == size, found
    assert found["right"] / found["total"] >= right, found
    assert found["wrong"] / found["total"] <= wrong, found


def test_the_sets_share_no_description() -> None:
    paths = (SET, UNSEEN, HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4)
    texts = [t for p in paths for t, _ in _rows(p)]
    assert len(texts) == len(set(texts))  # no description in two sets, nor twice in one
    assert {c for p in paths for _, c in _rows(p)} <= {c for _, c in _rows()}


def test_no_default_keyword_belongs_to_two_categories() -> None:
    owner: dict[str, str] = {}
    for name, aliases in DEFAULT_CATEGORIES:
        for word in (name, *aliases, *DEFAULT_KEYWORDS.get(name, [])):
            assert owner.setdefault(word, name) == name, (word, owner[word], name)


@pytest.mark.parametrize(("text", "category"), [
    ("体育器材单杠锈蚀松动", "安全稳定"),  # the problem (a danger) outweighs the thing (equipment)
    ("幼儿园给幼儿布置书面作业", "办园行为"),  # in a kindergarten
    ("教室门窗玻璃破损", "校务管理"),  # 窗玻璃 is glass: a compound's last two characters
    ("教学楼外墙涂鸦", "其他"),  # 教学楼 is a building: not its first two
    ("学生体检档案不全", "食品卫生"),  # 档案 is generic, 体检 says what
    ("食堂门口学生打架", "其他"),  # 食堂 (食品卫生) and 打架 (校风学风) weigh the same: no coin flip
    ("家长反映班主任上课玩手机", "师德师风"), ("学生上课玩手机", "校风学风"),  # who did it
    ("有学生在宿舍打牌", "校风学风"), ("有老师在办公室打牌", "师德师风"),
    ("楼道堆放废旧桌椅", "安全稳定"),
])
def test_words_are_weighed(text: str, category: str) -> None:
    assert categorise(text, load_county_yaml(DEMO).policy.categories) == category


def test_a_winner_must_lead_by_a_quarter() -> None:
    """Two categories close in weight give 其他 (a guess would be wrong as often as right): 6 to 5 is too close,
    6 to 2 is not; equal totals give 其他 whatever the longest word."""
    cats = [Category(name="甲", keywords=["灭火器", "配电房"]), Category(name="乙", keywords=["厨房", "留样柜"])]
    assert scores("灭火器配电房厨房留样柜", cats) == {"甲": (6, 3), "乙": (5, 3)}
    assert categorise("灭火器配电房厨房留样柜", cats) == "其他"
    assert categorise("灭火器配电房厨房", cats) == "甲"
    assert categorise("配电房留样柜", cats) == "其他"
    assert categorise("配电房厨房", cats) == "甲"  # 3 to 2


@pytest.mark.parametrize(("text", "category"), [
    ("学生宿舍插线板私拉乱接", "安全稳定"), ("教室照明不足", "食品卫生"), ("保安脱岗", "安全稳定"),
    ("校门口减速带损坏", "安全稳定"), ("午休无人看护", "课业负担"), ("厕所无隔断", "校务管理"),
])
def test_the_problems_the_issue_named(text: str, category: str) -> None:
    cats = load_county_yaml(ROOT / "bot" / "data" / "demo-county.yaml").policy.categories
    assert categorise(text, cats) == category


if __name__ == "__main__":  # the figures for a note: python -m tests.unit.test_category_set
    for path in (SET, UNSEEN, HOLDOUT, HOLDOUT2, HOLDOUT3, HOLDOUT4):
        result = figures(DEMO, path)
        print(path.name, {k: v for k, v in result.items() if k != "per"})
        for name, (p, r) in sorted(result["per"].items()):
            print(f"  {name}\tprecision {p:.1%}\trecall {r:.1%}")
