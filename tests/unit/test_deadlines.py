"""Deadline phrases: finding them in messages, reading policy values, resolving them to a due date."""
from __future__ import annotations

import contextlib
import time
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.calendar import WorkCalendar
from bot.domain.deadline_patterns import parse_number
from bot.domain.deadlines import DeadlineError, DeadlinePast, DeadlineSpec, due_date, find_deadline, parse_deadline_spec

CAL = WorkCalendar()


def days(n: int) -> DeadlineSpec:
    return DeadlineSpec("days", n=n)


def workdays(n: int) -> DeadlineSpec:
    return DeadlineSpec("workdays", n=n)


def on(month: int, day: int, year: int | None = None) -> DeadlineSpec:
    return DeadlineSpec("date", month=month, day=day, year=year)


def same(a: DeadlineSpec | None, b: DeadlineSpec) -> bool:
    return a is not None and (a.kind, a.n, a.month, a.day, a.year) == (b.kind, b.n, b.month, b.day, b.year)


@pytest.mark.parametrize(
    ("text", "spec", "rest", "phrase"),
    [
        ("城口中学 安全稳定 消防通道堆放杂物 限期3天", days(3), "城口中学 安全稳定 消防通道堆放杂物", "限期3天"),
        ("城口中学 食堂卫生差 5个工作日", workdays(5), "城口中学 食堂卫生差", "5个工作日"),
        ("城口中学 食堂卫生差 限期10个工作日内", workdays(10), "城口中学 食堂卫生差", "限期10个工作日内"),
        ("城口中学 台账缺失 7工作日", workdays(7), "城口中学 台账缺失", "7工作日"),
        ("Q12 5天 需采购设备", days(5), "Q12 需采购设备", "5天"),
        ("消防通道堆放杂物，限期三天。", days(3), "消防通道堆放杂物", "限期三天"),
        ("限期3天，消防通道堆放杂物", days(3), "消防通道堆放杂物", "限期3天"),
        ("消防通道堆放杂物限期3天内整改", days(3), "消防通道堆放杂物", "限期3天内"),
        ("五个工作日内完成整改 食堂", workdays(5), "食堂", "五个工作日内"),
        ("限十天 围墙破损", days(10), "围墙破损", "限十天"),
        ("围墙破损 3天内", days(3), "围墙破损", "3天内"),
        ("围墙破损 3日内完成", days(3), "围墙破损", "3日内"),
        ("围墙破损 限期3日", days(3), "围墙破损", "限期3日"),
        ("围墙破损 期限：二十天", days(20), "围墙破损", "期限:二十天"),
        ("围墙破损 限期两周", days(14), "围墙破损", "限期两周"),
        ("围墙破损 9月15日前完成", on(9, 15), "围墙破损", "9月15日前"),
        ("围墙破损 9月15日", on(9, 15), "围墙破损", "9月15日"),
        ("围墙破损 九月十五日前", on(9, 15), "围墙破损", "九月十五日前"),
        ("围墙破损 2024年9月15日前", on(9, 15, 2024), "围墙破损", "2024年9月15日前"),
        ("围墙破损 截止到10月8号", on(10, 8), "围墙破损", "截止到10月8号"),
        ("围墙破损 9.15前", on(9, 15), "围墙破损", "9.15前"),
        ("围墙破损 9/15前", on(9, 15), "围墙破损", "9/15前"),
        ("围墙破损 2024-09-15", on(9, 15, 2024), "围墙破损", "2024-09-15"),
        ("围墙破损 限期３天", days(3), "围墙破损", "限期3天"),  # full-width digits
        ("围墙破损 ９月１５日前", on(9, 15), "围墙破损", "9月15日前"),
        ("围墙破损 限期 3 天", days(3), "围墙破损", "限期 3 天"),
        # a bare "3天" or date in the description gives way to the strong phrase
        ("3天 前发现 限期5个工作日", workdays(5), "3天 前发现", "限期5个工作日"),
        ("限期3天 重复 限期3天", days(3), "重复", "限期3天"),
    ],
)
def test_find_deadline(text: str, spec: DeadlineSpec, rest: str, phrase: str) -> None:
    found, remaining = find_deadline(text)
    assert same(found, spec)
    assert found is not None and found.text == phrase
    assert remaining == rest


@pytest.mark.parametrize(
    "text",
    [
        "城口中学 消防通道堆放杂物",
        "检查发现3天前就堵了",
        "第三天仍未整改",
        "近3天连续下雨",
        "3天后再来检查",
        "每天打扫",
        "9月15日检查时发现护栏松动",
        "统一工作日安排",
        "15日",
        "Q12 已清理通道并张贴标识",
        "教学楼3楼走廊",
        "已持续3天",
        "第5个工作日",
        "",
    ],
)
def test_not_a_deadline(text: str) -> None:
    found, remaining = find_deadline(text)
    assert found is None
    assert remaining == " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "user_message"),
    [
        ("围墙破损 限期0天", "期限“限期0天”不对，至少要1天。"),
        ("围墙破损 0个工作日", "期限“0个工作日”不对，至少要1个工作日。"),
        ("围墙破损 限期2月30日前", "日期“2月30日”不存在，请检查。"),
        ("围墙破损 2月30日", "日期“2月30日”不存在，请检查。"),
        ("围墙破损 13月1日前", "日期“13月1日”不存在，请检查。"),
        ("围墙破损 2023年2月29日前", "日期“2023年2月29日”不存在，请检查。"),
        ("围墙破损 限期400天", "期限“限期400天”太长，最多366天。"),
        ("围墙破损 限期1个月", "看不懂期限“限期1个月”，请写成“限期3天”“5个工作日”“下周五前”或“月底前”。"),
        ("围墙破损 限期一千天", "看不懂期限“限期一千天”，请写成“限期3天”“5个工作日”“下周五前”或“月底前”。"),
        ("围墙破损 限期3天 9月15日前", "一条消息里有多个期限（“限期3天”“9月15日前”），请只保留一个。"),
    ],
)
def test_invalid_deadline(text: str, user_message: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        find_deadline(text)
    assert caught.value.user_message == user_message
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).split()[0].isascii()  # the English message


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("10个工作日", workdays(10)),
        ("3天", days(3)),
        (" 限期3天 ", days(3)),
        ("3日", days(3)),
        ("五个工作日", workdays(5)),
        ("9月15日前", on(9, 15)),
        ("9月15日", on(9, 15)),
        ("2024年9月15日", on(9, 15, 2024)),
    ],
)
def test_parse_deadline_spec(text: str, spec: DeadlineSpec) -> None:
    assert same(parse_deadline_spec(text), spec)


@pytest.mark.parametrize("text", ["", "abc", "3", "十天半个月", "3天 需采购", "限期1个月", "0天", "2月30日"])
def test_parse_deadline_spec_rejects(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_deadline_spec(text)
    assert isinstance(caught.value, DeadlineError) and caught.value.user_message


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("十", 10), ("十五", 15), ("二十", 20), ("二十五", 25), ("两", 2), ("三十", 30),
     ("一百零五", 105), ("百", 100), ("一二", None), ("千", None), ("零", None), ("", None)],
)
def test_parse_number(text: str, value: int | None) -> None:
    assert parse_number(text) == value


def test_due_date() -> None:
    today = date(2024, 4, 2)  # a Tuesday before Qingming
    assert due_date(days(3), today, CAL) == date(2024, 4, 5)
    assert due_date(workdays(2), today, CAL) == date(2024, 4, 7)
    assert due_date(on(9, 15), today, CAL) == date(2024, 9, 15)
    assert due_date(on(4, 2), today, CAL) == today
    assert due_date(on(9, 15, 2024), today, CAL) == date(2024, 9, 15)
    with pytest.raises(DeadlineError) as caught:
        due_date(on(3, 1, 2024), today, CAL)
    assert caught.value.user_message == "日期“2024年3月1日”已经过去了，请检查。"
    with pytest.raises(DeadlinePast):  # never silently next year
        due_date(on(3, 1), today, CAL)
    assert due_date(on(1, 10), date(2024, 12, 20), CAL) == date(2025, 1, 10)  # next year when near


@pytest.mark.parametrize(
    "text",
    ["限期" + " " * 5000 + "x", "截止" + " " * 5000, "限期:" + " " * 5000 + "3", "3" + " " * 5000 + "x",
     "限 " * 3000, "9月" * 3000, "1 " * 5000, "一" * 5000 + "天"],
)
def test_long_inputs_are_quick(text: str) -> None:
    start = time.monotonic()
    with contextlib.suppress(DeadlineError):
        find_deadline(text)
    with contextlib.suppress(DeadlineError):
        parse_deadline_spec(text)
    assert time.monotonic() - start < 2


def test_canonical() -> None:
    assert workdays(10).canonical() == "10个工作日"
    assert days(3).canonical() == "3天"
    assert on(9, 15).canonical() == "9月15日前"
    assert on(9, 15, 2024).canonical() == "2024年9月15日前"


def test_spec_validates_itself() -> None:
    with pytest.raises(DeadlineError):
        DeadlineSpec("days", n=0)
    with pytest.raises(DeadlineError):
        DeadlineSpec("date", month=2, day=30)
    with pytest.raises(DeadlineError):
        DeadlineSpec("weeks", n=1)  # type: ignore[arg-type]


specs = st.one_of(
    st.integers(1, 366).map(days),
    st.integers(1, 250).map(workdays),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)).flatmap(
        lambda d: st.sampled_from([on(d.month, d.day), on(d.month, d.day, d.year)])
    ),
)


@settings(max_examples=300, deadline=None)
@given(spec=specs)
def test_canonical_reads_back(spec: DeadlineSpec) -> None:
    assert same(parse_deadline_spec(spec.canonical()), spec)


@settings(max_examples=300, deadline=None)
@given(spec=specs, before=st.sampled_from(["", "城口中学 消防通道堆放杂物 ", "Q12 "]),
       after=st.sampled_from(["", " 需采购设备", "。"]))
def test_found_in_a_message(spec: DeadlineSpec, before: str, after: str) -> None:
    found, rest = find_deadline(f"{before}{spec.canonical()}{after}")
    assert same(found, spec)
    assert spec.canonical() not in rest


deadline_alphabet = "限期天日个工作月年前内周号截止于到0123456789一二两三十百千零 .:/-，。Q"


@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(st.text(), st.text(alphabet=deadline_alphabet, max_size=30)))
def test_find_deadline_raises_only_deadline_error(text: str) -> None:
    try:
        spec, rest = find_deadline(text)
    except DeadlineError as err:
        assert err.user_message
        return
    assert isinstance(rest, str)
    if spec is not None:
        assert spec.text


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=deadline_alphabet, max_size=20))
def test_parse_deadline_spec_raises_only_deadline_error(text: str) -> None:
    try:
        parse_deadline_spec(text)
    except DeadlineError as err:
        assert err.user_message


@settings(max_examples=300, deadline=None)
@given(spec=specs, today=st.dates(date(2005, 1, 1), date(2025, 6, 30)))
def test_due_date_is_not_before_today(spec: DeadlineSpec, today: date) -> None:
    assume(spec.year is None)
    try:
        due = due_date(spec, today, CAL)
    except DeadlinePast as past:  # a yearless date more than half a year ago: a question, not next year
        assert past.due < today
        return
    except DeadlineError as err:  # 2月29日 in a year without one: a question too, never a made-up date
        assert (spec.month, spec.day) == (2, 29) and err.user_message
        return
    assert due >= today
    if spec.kind != "date":
        assert due > today
    if spec.kind == "workdays":
        assert CAL.is_workday(due) and CAL.workdays_between(today, due) == spec.n
