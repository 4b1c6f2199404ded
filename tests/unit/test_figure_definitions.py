"""The office's figures defined once (bot.domain.figures) and each finding's state at a moment (bot.reports.as_of):
boundaries, the fold of events, and the README's table generated from the code."""
from __future__ import annotations

import runpy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.domain import figures
from bot.domain.calendar import WorkCalendar
from bot.reports.finding_state import state_at

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
ROOT = Path(__file__).parents[2]


def test_the_readme_table_is_the_one_generated_from_the_code() -> None:
    tool = runpy.run_path(str(ROOT / "tools" / "figures_table.py"))
    assert tool["main"](["--check"]) == 0, "README's figures table is stale: run python tools/figures_table.py"
    for f in figures.FIGURES:
        assert f"| {f.name} | {f.counts} |" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_rate_has_its_formula_and_every_delay_its_owner() -> None:
    assert figures.BY_KEY["rate"].formula == "已销号 ÷ (新发现 − 已撤销)"
    assert figures.BY_KEY["on_time_rate"].formula.startswith("按期整改 ÷ 已到期")
    assert figures.BY_KEY["rectify_overdue"].whose == "学校" and figures.BY_KEY["verify_late"].whose == "责任督学"
    rows = dict(figures.notes_rows(verify_within=5))
    assert "规定：5个工作日" in rows["验收超期"] and "计算：已销号 ÷ (新发现 − 已撤销)" in rows["整改率"]


@pytest.mark.parametrize("part,whole,shown", [(1, 3, 33), (2, 3, 67), (1, 2, 50), (1, 8, 13), (0, 5, 0), (3, 0, None)])
def test_percent_rounds_half_up_and_says_nothing_without_a_base(part: int, whole: int, shown: int | None) -> None:
    assert figures.percent(part, whole) == shown


def test_rates_use_the_one_formula_each() -> None:
    row = dict(new=10, closed=4, withdrawn=2, on_time=3, due=6)
    assert figures.rates(row) == dict(rate=50, on_time_rate=50)


def test_a_finding_due_on_the_last_day_is_not_overdue_at_that_days_end() -> None:
    deadline = datetime(2024, 10, 1, tzinfo=TZ)  # due 9-30
    assert not figures.rectify_overdue("open", deadline, datetime(2024, 10, 1, tzinfo=TZ), appealing=False)  # the month's end
    assert not figures.rectify_overdue("open", deadline, datetime(2024, 9, 30, 16, tzinfo=TZ), appealing=False)  # the draft's time
    assert figures.rectify_overdue("open", deadline, datetime(2024, 10, 1, 0, 0, 1, tzinfo=TZ), appealing=False)
    assert not figures.rectify_overdue("rectified", deadline, datetime(2024, 11, 1, tzinfo=TZ), appealing=False)  # never the school's
    # 申诉中 pauses it: past the deadline, not overdue while the appeal waits
    assert not figures.rectify_overdue("open", deadline, datetime(2024, 11, 1, tzinfo=TZ), appealing=True)


def test_verification_is_late_after_the_working_days_the_county_allows() -> None:
    reported = datetime(2024, 9, 24, 10, tzinfo=TZ)  # Tue; Sun 9-29 is a working day (调休), 10-1..7 are not
    assert figures.verify_by(reported, TZ, CAL, 5) == datetime(2024, 10, 1, tzinfo=TZ)
    assert not figures.verify_late("rectified", reported, datetime(2024, 10, 1, tzinfo=TZ), TZ, CAL, 5, appealing=False)
    assert figures.verify_late("rectified", reported, datetime(2024, 10, 1, 9, tzinfo=TZ), TZ, CAL, 5, appealing=False)
    assert not figures.verify_late("open", reported, datetime(2024, 11, 1, tzinfo=TZ), TZ, CAL, 5, appealing=False)
    assert not figures.verify_late("rectified", reported, datetime(2024, 11, 1, tzinfo=TZ), TZ, CAL, 5, appealing=True)


@pytest.mark.parametrize("now", ["2024-10-01T09:00", "2024-10-08T09:00", "2024-10-09T00:00", "2024-09-30T23:59"])
def test_the_sql_cut_for_late_verifications_agrees_with_the_rule(now: str) -> None:
    at = datetime.fromisoformat(now).replace(tzinfo=TZ)
    cut = figures.late_reports_before(at, TZ, CAL, 5)
    for hours in range(0, 24 * 30, 5):
        reported = at - timedelta(hours=hours)
        assert (reported < cut) == figures.verify_late("rectified", reported, at, TZ, CAL, 5, appealing=False), reported


def _row(**kw: object) -> SimpleNamespace:
    base = dict(id=1, number=1, school_id=7, category="安全稳定", status="closed", due_date=date(2024, 9, 5),
                deadline_at=datetime(2024, 9, 6, tzinfo=TZ), rectified_at=None, finder_id=3,
                created_at=datetime(2024, 9, 2, tzinfo=TZ), closed_at=datetime(2024, 10, 9, tzinfo=TZ),
                appealed_at=None, changed=True)  # changed since the moment read: its events are folded
    return SimpleNamespace(**(base | kw))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC)


def test_a_finding_is_folded_to_the_state_it_had_then() -> None:
    events = [("created", _at("2024-09-02T09:00"), {"due": "2024-09-05"}),
              ("extended", _at("2024-09-04T09:00"), {"old": "2024-09-05", "new": "2024-09-20"}),
              ("rectified", _at("2024-09-19T09:00"), {}),
              ("verify_failed", _at("2024-09-21T09:00"), {"reason": "x"}),
              ("corrected", _at("2024-09-22T09:00"), {"field": "category", "old": "安全稳定", "new": "食品卫生"}),
              ("rectified", _at("2024-10-08T09:00"), {}), ("verify_passed", _at("2024-10-09T09:00"), {})]
    row = _row(category="食品卫生", due_date=date(2024, 9, 20), deadline_at=datetime(2024, 9, 21, tzinfo=TZ))
    early = state_at(row, events, _at("2024-09-03T00:00"), TZ)
    assert (early.status, early.due_date, early.category) == ("open", date(2024, 9, 5), "安全稳定")  # before 延期
    waiting = state_at(row, events, _at("2024-09-20T00:00"), TZ)
    assert (waiting.status, waiting.reported_at, waiting.due_date) == ("rectified", _at("2024-09-19T09:00"),
                                                                         date(2024, 9, 20))
    failed = state_at(row, events, _at("2024-10-01T00:00"), TZ)
    assert (failed.status, failed.reported_at, failed.category) == ("open", None, "食品卫生")
    assert figures.rectify_overdue(failed.status, failed.deadline_at, _at("2024-10-01T00:00"),
                                   appealing=failed.appealing)


def test_a_row_unchanged_since_the_moment_is_read_as_it_is() -> None:
    row = _row(status="rectified", rectified_at=datetime(2024, 9, 4, tzinfo=TZ), closed_at=None, changed=False)
    live = state_at(row, [], _at("2024-09-30T00:00"), TZ)
    assert (live.status, live.reported_at) == ("rectified", datetime(2024, 9, 4, tzinfo=TZ))


def test_a_bulk_loaded_row_without_history_is_read_from_its_stamps() -> None:
    row = _row(rectified_at=datetime(2024, 9, 4, tzinfo=TZ))  # closed 10-9, no events (an import)
    assert state_at(row, [], _at("2024-09-03T00:00"), TZ).status == "open"
    assert state_at(row, [], _at("2024-09-30T00:00"), TZ).status == "rectified"


def test_a_finding_moved_to_another_school_was_at_the_first_one_before() -> None:
    events = [("corrected", _at("2024-10-21T10:00"), {"field": "school_id", "old": 7, "new": 9})]
    row = _row(school_id=9, status="rectified", closed_at=None)
    assert state_at(row, events, _at("2024-10-01T00:00"), TZ).school_id == 7
    assert state_at(row, events, _at("2024-11-01T00:00"), TZ).school_id == 9


def test_an_appeal_is_folded_to_the_moments_it_waited() -> None:
    """申诉中 at t: an appeal before t and no decision before t; overdue is paused then, and counts again after."""
    events = [("created", _at("2024-09-02T09:00"), {"due": "2024-09-05"}),
              ("appealed", _at("2024-09-04T09:00"), {"reason": "不属实"}),
              ("appeal_decided", _at("2024-09-20T09:00"), {"outcome": "维持"})]
    row = _row(status="open", closed_at=None)
    before, during, after = (state_at(row, events, _at(t), TZ) for t in ("2024-09-04T00:00", "2024-09-10T00:00",
                                                                           "2024-09-21T00:00"))
    assert (before.appealing, during.appealing, after.appealing) == (False, True, False)
    assert not figures.rectify_overdue(during.status, during.deadline_at, _at("2024-09-10T00:00"),
                                       appealing=during.appealing)
    assert figures.rectify_overdue(after.status, after.deadline_at, _at("2024-09-21T00:00"), appealing=after.appealing)
    waiting = _row(status="open", closed_at=None, appealed_at=_at("2024-09-04T09:00"), changed=False)
    assert state_at(waiting, [], _at("2024-09-10T00:00"), TZ).appealing  # unchanged since: the flag as it is
