"""Every form of period the office writes — months, ISO weeks, days, terms, years — read the same way by chat, CLI
and desk (bot.parsing.periods); the older forms are in tests/reports/test_periods.py."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.parsing.periods import PeriodError, parse_period, previous_full_week, week_period
from bot.render import Renderer

TODAY = date(2026, 9, 22)  # a Tuesday in ISO week 39
TERMS = [SimpleNamespace(name="2026年秋季学期", starts=date(2026, 9, 1)),
         SimpleNamespace(name="2027年春季学期", starts=date(2027, 2, 22)),
         SimpleNamespace(name="2026年春季学期", starts=date(2026, 2, 23))]
D = date

READS = [  # text, today, first, last, kind, label
    ("9月", D(2026, 12, 15), D(2026, 9, 1), D(2026, 9, 30), "month", "2026年9月"),
    ("9月", D(2026, 3, 10), D(2025, 9, 1), D(2025, 9, 30), "month", "2025年9月"),  # the latest 9月 begun
    ("9月份", D(2026, 9, 1), D(2026, 9, 1), D(2026, 9, 30), "month", "2026年9月"),
    ("１２月", D(2027, 1, 3), D(2026, 12, 1), D(2026, 12, 31), "month", "2026年12月"),
    ("上个月", D(2026, 1, 15), D(2025, 12, 1), D(2025, 12, 31), "month", "2025年12月"),
    ("这个月", TODAY, D(2026, 9, 1), D(2026, 9, 30), "month", "2026年9月"),
    ("2026年9月份", TODAY, D(2026, 9, 1), D(2026, 9, 30), "month", "2026年9月"),
    ("本周", TODAY, D(2026, 9, 21), D(2026, 9, 27), "week", "2026年第39周（9月21日—9月27日）"),
    ("这周", D(2026, 9, 27), D(2026, 9, 21), D(2026, 9, 27), "week", "2026年第39周（9月21日—9月27日）"),
    ("上周", TODAY, D(2026, 9, 14), D(2026, 9, 20), "week", "2026年第38周（9月14日—9月20日）"),
    ("上一周", D(2027, 1, 4), D(2026, 12, 28), D(2027, 1, 3), "week", "2026年第53周（12月28日—2027年1月3日）"),
    ("第38周", TODAY, D(2026, 9, 14), D(2026, 9, 20), "week", "2026年第38周（9月14日—9月20日）"),
    ("第 ３８ 周", TODAY, D(2026, 9, 14), D(2026, 9, 20), "week", "2026年第38周（9月14日—9月20日）"),
    ("第38周", D(2026, 3, 2), D(2025, 9, 15), D(2025, 9, 21), "week", "2025年第38周（9月15日—9月21日）"),
    ("第1周", D(2027, 1, 2), D(2025, 12, 29), D(2026, 1, 4), "week", "2026年第1周（2025年12月29日—1月4日）"),
    ("第53周", D(2027, 3, 1), D(2026, 12, 28), D(2027, 1, 3), "week", "2026年第53周（12月28日—2027年1月3日）"),
    ("2027年第1周", D(2027, 1, 4), D(2027, 1, 4), D(2027, 1, 10), "week", "2027年第1周（1月4日—1月10日）"),
    ("2020年第53周", TODAY, D(2020, 12, 28), D(2021, 1, 3), "week", "2020年第53周（12月28日—2021年1月3日）"),
    ("2026-W38", TODAY, D(2026, 9, 14), D(2026, 9, 20), "week", "2026年第38周（9月14日—9月20日）"),
    ("２０２６－ｗ０１", TODAY, D(2025, 12, 29), D(2026, 1, 4), "week", "2026年第1周（2025年12月29日—1月4日）"),
    ("9月1日-9月15日", TODAY, D(2026, 9, 1), D(2026, 9, 15), "days", "2026年9月1日至9月15日"),
    ("9月1日至15日", TODAY, D(2026, 9, 1), D(2026, 9, 15), "days", "2026年9月1日至9月15日"),
    ("9月1日-9月30日", TODAY, D(2026, 9, 1), D(2026, 9, 30), "month", "2026年9月"),  # a whole month is the month
    ("9月20日-10月5日", D(2026, 3, 1), D(2025, 9, 20), D(2025, 10, 5), "days", "2025年9月20日至10月5日"),
    ("2025年9月1日~2025年9月10日", TODAY, D(2025, 9, 1), D(2025, 9, 10), "days", "2025年9月1日至9月10日"),
    ("2025-12-20~2026-01-05", TODAY, D(2025, 12, 20), D(2026, 1, 5), "days", "2025年12月20日至2026年1月5日"),
    ("9.1-9.20", TODAY, D(2026, 9, 1), D(2026, 9, 20), "days", "2026年9月1日至9月20日"),
    ("９．１－９．２０", TODAY, D(2026, 9, 1), D(2026, 9, 20), "days", "2026年9月1日至9月20日"),
    ("２０２５年９月１日～２０２５年９月３日", TODAY, D(2025, 9, 1), D(2025, 9, 3), "days", "2025年9月1日至9月3日"),
    ("2月29日-3月1日", D(2026, 9, 1), D(2024, 2, 29), D(2024, 3, 1), "days", "2024年2月29日至3月1日"),
    ("本学期", TODAY, D(2026, 9, 1), D(2027, 2, 21), "term", "2026年秋季学期"),
    ("上学期", TODAY, D(2026, 2, 23), D(2026, 8, 22), "term", "2026年春季学期"),  # six months at most
    ("2026年秋季学期", TODAY, D(2026, 9, 1), D(2027, 2, 21), "term", "2026年秋季学期"),
    ("2025", TODAY, D(2025, 1, 1), D(2025, 12, 31), "year", "2025年"),
    ("2025年", TODAY, D(2025, 1, 1), D(2025, 12, 31), "year", "2025年"),
    ("今年", TODAY, D(2026, 1, 1), D(2026, 12, 31), "year", "2026年"),
    ("去年", D(2026, 1, 1), D(2025, 1, 1), D(2025, 12, 31), "year", "2025年"),
    ("2026-03~2026-06", TODAY, D(2026, 3, 1), D(2026, 6, 30), "range", "2026年3月至6月"),
]


@pytest.mark.parametrize("text,today,first,last,kind,label", READS)
def test_every_form_names_its_days_kind_and_label(text: str, today: date, first: date, last: date, kind: str,
                                                    label: str) -> None:
    p = parse_period(text, today, TERMS)
    assert (p.first, p.last, p.kind, p.label) == (first, last, kind, label)


def test_slugs_and_where_today_stands() -> None:
    assert parse_period("第38周", TODAY).slug == "2026-W38" and parse_period("2026年第1周", TODAY).slug == "2026-W01"
    assert parse_period("9.1-9.20", TODAY).slug == "2026-09-01~2026-09-20"
    this_week, last_term = parse_period("本周", TODAY), parse_period("上学期", TODAY, TERMS)
    assert this_week.is_current(TODAY) and not this_week.is_over(TODAY)
    assert last_term.is_over(TODAY) and not last_term.is_current(TODAY)
    assert parse_period("9月1日-9月30日", TODAY, months_only=True).slug == "2026-09"  # the 通报 takes it


def test_weeks_for_the_weekly_digest() -> None:
    sunday, monday = date(2026, 9, 20), date(2026, 9, 21)
    assert week_period(sunday).slug == "2026-W38" and week_period(monday).slug == "2026-W39"
    assert previous_full_week(monday).slug == "2026-W38" and previous_full_week(sunday).slug == "2026-W37"
    assert week_period(date(2021, 1, 3)).slug == "2020-W53" and week_period(date(2027, 1, 4)).slug == "2027-W01"
    assert (week_period(date(2027, 1, 1)).first, week_period(date(2027, 1, 1)).last) == (date(2026, 12, 28),
                                                                                        date(2027, 1, 3))


@pytest.mark.parametrize("text,today,why", [
    ("第60周", TODAY, "format"), ("第0周", TODAY, "format"), ("2026-W54", TODAY, "format"),
    ("第53周", date(2026, 3, 1), "format"),  # 2025 has 52 weeks and 2026's 53rd has not begun
    ("13月", TODAY, "format"), ("0月", TODAY, "format"), ("9月31日-10月2日", TODAY, "format"),
    ("9月1日-9月31日", TODAY, "format"), ("2月30日-3月1日", TODAY, "format"), ("三月份", TODAY, "format"),
    ("下学期", TODAY, "format"), ("9.1", TODAY, "format"),
    ("2026年第40周", TODAY, "future"), ("2026-10-01~2026-10-07", TODAY, "future"), ("2027年", TODAY, "future"),
    ("2027年春季学期", TODAY, "future"),
    ("9月30日-9月1日", TODAY, "order"), ("2025-09-30~2025-09-01", TODAY, "order"), ("9.20-9.1", TODAY, "order"),
    ("本学期", date(2026, 1, 10), "no_term"), ("上学期", date(2026, 3, 1), "no_term"),
])
def test_what_cannot_be_counted_is_refused_politely(text: str, today: date, why: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, today, TERMS)
    assert caught.value.why == why
    answer = Renderer().render("errors/period_bad.j2", **caught.value.values(TERMS))
    assert f"“{text}”" in answer and "{" not in answer


def test_the_answer_names_the_text_and_current_examples_of_every_form() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("下下周", TODAY, TERMS)
    answer = Renderer().render("errors/period_bad.j2", **caught.value.values(TERMS))
    assert answer.startswith("没能看懂“下下周”是哪个时间段。可以这样写：")
    for example in ("本月", "上月", "2026年8月", "8月", "本周", "上周", "第38周", "8月1日-8月31日", "本学期", "2026年",
                    "2026年秋季学期"):
        assert example in answer
    with pytest.raises(PeriodError) as future:
        parse_period("2026年第40周", TODAY, TERMS)
    assert Renderer().render("errors/period_bad.j2", **future.value.values()) == "“2026年第40周”还没有开始，没有可统计的内容。"
    with pytest.raises(PeriodError) as week:
        parse_period("上周", TODAY, months_only=True)
    assert "通报按月生成" in Renderer().render("errors/period_bad.j2", **week.value.values())
    assert "本学期" not in Renderer().render("errors/period_bad.j2", **caught.value.values())  # no terms: not offered
