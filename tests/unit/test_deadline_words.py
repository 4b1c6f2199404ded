"""Every deadline phrase DESIGN lists, in digits and Chinese numerals, with and without 前/内, over many todays."""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import WorkCalendar
from bot.domain.deadlines import DeadlineError, DeadlinePast, due_date, find_deadline

CAL = WorkCalendar()
TERMS = (SimpleNamespace(starts=date(2024, 2, 26)), SimpleNamespace(starts=date(2024, 9, 1)),
         SimpleNamespace(starts=date(2025, 2, 17)), SimpleNamespace(starts=date(2025, 9, 1)))
MONDAY = date(2024, 3, 11)


def due(text: str, today: date = MONDAY) -> date:
    spec, rest = find_deadline("护栏损坏 " + text)
    assert spec is not None, text
    assert rest == "护栏损坏", (text, rest)
    return due_date(spec, today, CAL, TERMS)


def month_end(d: date, ahead: int = 0) -> date:
    first = (d.replace(day=1) + timedelta(days=32 * ahead)).replace(day=1)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def weekday(d: date, wd: int, weeks: int = 0) -> date:
    return d - timedelta(days=d.weekday()) + timedelta(days=7 * weeks + wd)


EXPECTED = {  # phrase -> due from `today`
    "限期3天": lambda t: t + timedelta(3), "限期三天": lambda t: t + timedelta(3), "3天内": lambda t: t + timedelta(3),
    "十五日内": lambda t: t + timedelta(15), "一周内": lambda t: t + timedelta(7), "两周内": lambda t: t + timedelta(14),
    "5个工作日": lambda t: CAL.add_workdays(t, 5), "五个工作日内": lambda t: CAL.add_workdays(t, 5),
    "明天": lambda t: t + timedelta(1), "后天": lambda t: t + timedelta(2),
    "本周内": lambda t: weekday(t, 6), "下周五前": lambda t: weekday(t, 4, 1), "下周五之前": lambda t: weekday(t, 4, 1),
    "月底前": month_end, "本月底": month_end, "月底之前": month_end,
    "下月底前": lambda t: month_end(t, 1), "下个月底": lambda t: month_end(t, 1),
    "开学前": lambda t: min(x.starts for x in TERMS if x.starts > t),
}


@pytest.mark.parametrize("phrase", sorted(EXPECTED))
def test_each_phrase_on_a_monday(phrase: str) -> None:
    assert due(phrase) == EXPECTED[phrase](MONDAY)


@pytest.mark.parametrize(("phrase", "expected"), [
    ("9月15日前", date(2024, 9, 15)), ("九月十五日以前", date(2024, 9, 15)), ("15日前", date(2024, 3, 15)),
    ("15号前", date(2024, 3, 15)), ("十五号之前", date(2024, 3, 15)), ("本周五前", date(2024, 3, 15)),
    ("周五前", date(2024, 3, 15)), ("4月底前", date(2024, 4, 30)), ("12月10日前整改到位", date(2024, 12, 10)),
])
def test_dates(phrase: str, expected: date) -> None:
    assert due(phrase) == expected


def test_glued_anywhere() -> None:
    spec, rest = find_deadline("校门口护栏损坏月底前整改，请校长督办")
    assert spec is not None and spec.kind == "month_end" and rest == "校门口护栏损坏，请校长督办"


@pytest.mark.parametrize(("phrase", "today"), [("11月28日前", date(2024, 11, 29)), ("10号前", MONDAY),
                                                ("本周五前", date(2024, 3, 16)), ("3月1日前", MONDAY)])
def test_a_past_date_is_a_question(phrase: str, today: date) -> None:
    with pytest.raises(DeadlinePast):
        due(phrase, today)


def test_next_january_from_december_shows_its_year() -> None:
    assert due("1月10日前", date(2024, 12, 20)) == date(2025, 1, 10)


@pytest.mark.parametrize("text", ["护栏损坏 13月40日前", "护栏损坏 下下下周", "护栏损坏 下下周五前", "护栏损坏 32号前",
                                  "护栏损坏 13月底前"])
def test_unreadable_is_a_question(text: str) -> None:
    with pytest.raises(DeadlineError):
        find_deadline(text)


@pytest.mark.parametrize("text", ["明天再来检查", "周一检查时发现", "每月底检查", "开学时发现"])
def test_not_deadlines(text: str) -> None:
    assert find_deadline(text) == (None, text)


@settings(max_examples=300, deadline=None)
@given(today=st.dates(date(2024, 1, 1), date(2025, 6, 30)), phrase=st.sampled_from(sorted(EXPECTED)))
def test_every_phrase_over_many_todays(today: date, phrase: str) -> None:
    """Holidays included: the working-day phrases follow the statutory calendar (春节, 国庆, 调休)."""
    assert due(phrase, today) == EXPECTED[phrase](today)
    assert due(phrase, today) >= today


def test_the_help_lists_only_phrases_the_parser_reads() -> None:
    import re

    from bot.resources import templates_dir

    line = next(x for x in (templates_dir() / "help/log_finding.j2").read_text(encoding="utf-8").splitlines()
                if x.startswith("· 期限"))
    phrases = re.findall(r"[：/] *([^/；]+?) *(?=/|；)", line)
    assert len(phrases) >= 15
    for phrase in phrases:
        assert find_deadline(phrase)[0] is not None, phrase
