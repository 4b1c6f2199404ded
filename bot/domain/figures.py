"""The office's figures: each defined once, here, in the terms of docs/design.md ("The office's figures").

Every surface that shows a figure — chat replies and digests, the desk, the workbooks, the Word 通报 — takes its
name, what it counts and (for a rate) its formula from FIGURES; the 说明 sheets, the desk's help and the README's
table are generated from it (`tools/figures_table.py`). The counting itself is bot/reports/as_of.py: each figure
as of a moment `t`, the end of the period a report is about (or now, for the period under way).

Two kinds of figure:
- cohort (新发现 and what became of them): the findings logged in the period, each as it stood at `t`;
- state at `t` (整改逾期, 验收超期, 累计未销号): every finding, whenever logged, as it stood at `t`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkCalendar

OPEN, RECTIFIED = "open", "rectified"  # bot.ledger's states (the domain does not import storage)


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    counts: str  # which findings (or records) it counts
    as_of: str  # how a past period is counted
    formula: str = ""  # for a rate or a derived count
    whose: str = ""  # whose delay it measures, if any


FIGURES: tuple[Figure, ...] = (
    Figure("new", "新发现", "期内登记的问题（其后撤销的也计入）", "按登记时间计入所在时期"),
    Figure("closed", "已销号", "新发现中，截至期末已验收通过、销号的问题", "期末之后才销号的，在该期仍计为未销号"),
    Figure("withdrawn", "已撤销", "新发现中，截至期末已撤销的问题", "期末之后才撤销的，在该期仍计为未销号"),
    Figure("open", "未销号", "新发现中，截至期末既未销号也未撤销的问题", "按期末时的状态",
           "新发现 − 已销号 − 已撤销"),
    Figure("active", "累计未销号", "截至期末所有尚未销号、未撤销的问题（含往期登记）", "按期末时的状态"),
    Figure("rectify_overdue", "整改逾期", "截至期末仍待整改（学校尚未报告整改）且已过当时整改期限的问题（含往期登记）",
           "按期末时的期限（含此前批准的延期）；待验收的问题、期末时申诉中的问题不计入", whose="学校"),
    Figure("red", "红色督办", "整改逾期且已过逾期提醒最后一级（报督导室问责）的问题", "按期末时的状态", whose="学校"),
    Figure("verify_late", "验收超期", "截至期末待验收，且整改报告提出后已超过规定工作日仍未验收的问题",
           "按期末时的状态；期末时申诉中的问题不计入", whose="责任督学"),
    Figure("on_time", "按期整改", "新发现中，截至期末已销号、且据以销号的整改报告在整改期限内提出的问题",
           "按期末时的状态"),
    Figure("due", "已到期", "新发现中，截至期末已过整改期限或已销号的问题（已撤销的不计）", "按期末时的期限"),
    Figure("rate", "整改率", "新发现中已销号的比例", "按期末时的状态", "已销号 ÷ (新发现 − 已撤销)"),
    Figure("on_time_rate", "按期整改率", "已到期问题中按期整改的比例", "按期末时的状态",
           "按期整改 ÷ 已到期（期末前已过期限或已销号，撤销的不计）"),
    Figure("visits", "到校次数", "期内用 #到校 登记的到校督导次数（按督学、按学校）", "按到校时间计入所在时期"),
    Figure("report_on_time_rate", "月报按时率", "应报月报中在截止日（含）前报送的比例（请假者不计应报）",
           "截止日已过的月份才计入", "按时报送 ÷ 应报"),
    Figure("self_check_rate", "自查按时率",
           "各校应交的月度自查中在截止日（含）前提交的比例（校长、园长均请假的月份不计应报）",
           "截止日已过的月份才计入，按期末前收到的自查计", "按时自查 ÷ 应自查", whose="学校"),
    Figure("campaign_item_rate", "专项检查符合率", "期内登记的专项督导检查项结果中符合的比例（不适用的不计）",
           "按期末时的结果：同一项登记过几次的，以期末前最后一次为准", "符合 ÷ (符合 + 不符合)", whose="学校"),
)
BY_KEY = {f.key: f for f in FIGURES}
COHORT = ("new", "closed", "withdrawn", "open", "on_time", "due")
STATE = ("active", "rectify_overdue", "red", "verify_late")
# 累计未销号 by state at t: 待整改, 待验收, and of them 申诉中 (no delay counted) — not figures of their own
SPLIT = ("to_rectify", "to_verify", "appealing")
COUNTED = (*COHORT, *STATE, *SPLIT, "visits")


def percent(part: int, whole: int) -> int | None:
    """A rate in whole percent, rounded half up (None when there is nothing to divide by)."""
    return (200 * part + whole) // (2 * whole) if whole else None


def rates(counts: dict) -> dict:
    """整改率 and 按期整改率 of a row of counts (whole percent or None), by their one formula each."""
    return dict(rate=percent(counts["closed"], counts["new"] - counts["withdrawn"]),
                on_time_rate=percent(counts["on_time"], counts["due"]))


def verify_by(reported_at: datetime, tz: ZoneInfo, calendar: WorkCalendar, within: int) -> datetime:
    """The instant a verification of a report made at `reported_at` becomes late (验收超期): the local midnight after
    the `within`-th working day after the report's day — the reminder rule and the 考核 use the same day."""
    return day_end(calendar.add_workdays(reported_at.astimezone(tz).date(), within), tz)


def late_reports_before(now: datetime, tz: ZoneInfo, calendar: WorkCalendar, within: int) -> datetime:
    """The instant before which a report still awaiting verification is 验收超期 at `now` (as SQL can compare):
    the end of the latest report day whose `verify_by` has come."""
    day = now.astimezone(tz).date()
    while verify_by(datetime.combine(day, time(12), tz), tz, calendar, within) >= now:
        day -= timedelta(days=1)
    return day_end(day, tz)


def rectify_overdue(status: str, deadline_at: datetime, t: datetime, *, appealing: bool) -> bool:
    """整改逾期 at `t`: 待整改 at `t` and its deadline (as it stood at `t`) before `t`, no appeal waiting at `t`
    (申诉中 pauses both kinds of overdue). A 待验收 finding never is. Before, not at: a finding due on a month's
    last day is not overdue at that month's end (its 24:00), the same as in the draft made that afternoon."""
    return status == OPEN and not appealing and deadline_at < t


def verify_late(status: str, reported_at: datetime | None, t: datetime, tz: ZoneInfo, calendar: WorkCalendar,
                within: int, *, appealing: bool) -> bool:
    """验收超期 at `t`: 待验收 at `t`, its report's verification day over before `t`, no appeal waiting at `t`."""
    return (status == RECTIFIED and not appealing and reported_at is not None
            and verify_by(reported_at, tz, calendar, within) < t)


def footnotes(keys: tuple[str, ...]) -> list[str]:
    """One line a figure: its name and formula (or what it counts), for a caption or a 注."""
    out = []
    for key in keys:
        f = BY_KEY[key]
        out.append(f"{f.name}＝{f.formula}" if f.formula else f"{f.name}：{f.counts}")
    return out


def notes_rows(verify_within: int | None = None) -> list[tuple[str, str]]:
    """(名称, 说明) rows for a 说明 sheet, a caption or the README: what each figure counts and its formula."""
    rows = []
    for f in FIGURES:
        rule = f"（规定：{verify_within}个工作日）" if f.key == "verify_late" and verify_within is not None else ""
        text = f.counts + rule
        if f.formula:
            text += f"。计算：{f.formula}"
        if f.whose:
            text += f"。反映{f.whose}的延误"
        rows.append((f.name, text + "。" + f.as_of + "。"))
    return rows


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The end of a county day (the next local midnight): the `t` of a period whose last day is `day`."""
    return datetime.combine(day + timedelta(days=1), time(0), tz)
