"""A calendar that does not run out (issue 27): when no term covers some day of the coming 60 days the office room is
told once, with the line to add; `dudao doctor` says the same; 开学前 without a known next term gets a question."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

from bot.cli.doctor import doctor
from bot.domain.calendar import WorkCalendar
from bot.domain.deadlines import DeadlineError, due_date, parse_deadline_spec
from bot.obligations.calendar_ahead import calendar_gap
from bot.settings import Settings
from tests.support.county_files import demo_yaml
from tests.support.reminders import CHEN, FXZX, OFFICE, initiated, make

__all__ = ["make"]
MARK = "【校历提醒】"
LAST_AUTUMN = "    - {name: 2027年秋季学期, starts: 2027-09-01, check_window: [-7, 14]}\n"


def _warnings(h) -> list:
    return [s for s in initiated(h) if MARK in s.text]


async def test_the_office_room_is_told_once_with_the_line_to_add(make, tmp_path: Path) -> None:
    county = demo_yaml(tmp_path, edit={LAST_AUTUMN: ""})  # the calendar ends with 2027年春季学期 (to 8月21日)
    h = await make("2027-06-21T08:00:00+08:00", county)  # a Monday: 8月22日 is within 60 days
    await h.at("2027-06-25T18:00:00+08:00")
    sent = _warnings(h)
    assert len(sent) == 1, [s.text for s in sent]
    warning = sent[0]
    assert warning.out.room == OFFICE and warning.at.astimezone().hour in (1, 9)  # 09:00 county time
    for words in ("只排到2027年春季学期", "2027年8月22日起没有学期", "2027年秋季学期",
                  "- {name: 2027年秋季学期, starts: 2027-09-01, check_window: [-7, 14]}", "“学期”表加一行"):
        assert words in warning.text, warning.text
    await h.at("2027-07-09T18:00:00+08:00")  # two more weeks of sweeps: said once
    assert len(_warnings(h)) == 1


async def test_a_calendar_that_reaches_far_enough_says_nothing(make) -> None:
    h = await make("2026-12-07T08:00:00+08:00")  # the shipped demo county: terms through 2027年秋季学期
    await h.at("2026-12-11T18:00:00+08:00")
    assert _warnings(h) == []


async def test_term_start_without_a_known_next_term_is_a_question(make, tmp_path: Path) -> None:
    county = demo_yaml(tmp_path, edit={LAST_AUTUMN: ""})
    h = await make("2027-06-21T10:00:00+08:00", county)
    asked = await h.one(FXZX, CHEN, "#问题 复兴中学 围墙破损 开学前")
    assert "还没有下一学期的开学日期" in asked.text and "“开学前”是哪一天" in asked.text, asked.text
    assert "7月5日前" in asked.text  # an example that would be accepted today
    assert "Q1" not in asked.text
    created = await h.one(FXZX, CHEN, "#问题 复兴中学 围墙破损 7月5日前")
    assert "Q1" in created.text


def test_a_next_term_half_a_year_away_is_not_the_next_one() -> None:
    spec = parse_deadline_spec("开学前")
    terms = [SimpleNamespace(starts=date(2026, 9, 1)), SimpleNamespace(starts=date(2027, 2, 22))]
    assert due_date(spec, date(2026, 12, 7), WorkCalendar(), terms) == date(2027, 2, 22)
    try:
        due_date(spec, date(2026, 12, 7), WorkCalendar(), [SimpleNamespace(starts=date(2027, 9, 1))])  # 2027春?
    except DeadlineError as err:
        assert "“开学前”是哪一天" in err.user_message and "12月21日前" in err.user_message
    else:
        raise AssertionError("a start 9 months away must be asked about")


def test_the_gap_and_the_term_to_add() -> None:
    def t(name: str, starts: date) -> SimpleNamespace:
        return SimpleNamespace(name=name, starts=starts)

    terms = [t("2026年秋季学期", date(2026, 9, 1)), t("2027年春季学期", date(2027, 2, 22))]
    assert calendar_gap(terms, date(2026, 12, 7)) is None
    gap = calendar_gap(terms, date(2027, 7, 1))
    assert gap is not None and (gap.first, gap.after, gap.name) == (date(2027, 8, 22), "2027年春季学期", "2027年秋季学期")
    gap = calendar_gap([t("2027年秋季学期", date(2027, 9, 1))], date(2028, 1, 15))
    assert gap is not None and gap.name == "2028年春季学期" and gap.line.startswith("- {name: 2028年春季学期, starts: 2028-")
    gap = calendar_gap([], date(2026, 12, 7))
    assert gap is not None and gap.after is None and gap.first == date(2026, 12, 7) and gap.name == "2027年春季学期"


class Fixed:
    def __init__(self, at: str) -> None:
        self.at = datetime.fromisoformat(at).astimezone(UTC)

    def now(self) -> datetime:
        return self.at


async def test_doctor_says_the_calendar_runs_out_with_the_line_to_add(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/doctor.db"
    county = demo_yaml(tmp_path, edit={LAST_AUTUMN: ""})
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    loaded = subprocess.run([sys.executable, "-m", "bot", "county", "load", str(county), "--db", url],
                            capture_output=True, text=True, timeout=120, env=env)
    assert loaded.returncode == 0, loaded.stderr
    settings = Settings(_env_file=None, database_url=url)
    _, late = await doctor(settings, wait=0, clock=Fixed("2027-07-01T10:00:00+08:00"))
    assert "校历快用完了" in late and "2027年8月22日起没有学期" in late, late
    assert "- {name: 2027年秋季学期, starts: 2027-09-01, check_window: [-7, 14]}" in late
    _, early = await doctor(settings, wait=0, clock=Fixed("2026-12-07T10:00:00+08:00"))
    assert "校历" not in early and "✓ 县文件已加载" in early, early
