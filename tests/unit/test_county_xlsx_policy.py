"""The part of the policy a county workbook holds (docs/county-xlsx.md): the 考核指标 sheet and the 设置 rows
每个逾期扣分, 通报发送 and 申诉决定时限 — read into policy.school_assessment, bulletin_rooms and appeal_within,
written back by the writer, each bad value named by sheet, row and column; a workbook without them loads with the
default policy as before."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.county import DEMO_COUNTY_FILE, load_county_file, write_county_xlsx
from bot.county.policy import DEFAULT_SCHOOL_WEIGHTS, Policy, SchoolAssessment
from bot.domain.deadlines import parse_deadline_spec
from bot.domain.school_indicators import INDICATORS
from tests.unit.test_county_xlsx import SMALL, Sheets, book, problems

WEIGHTS = [["指标", "权重"], ["按期整改率", 40], ["整改逾期", 30], ["自查按时率", 30]]
KNOWN = "、".join(i.name for i in INDICATORS)


def with_policy(weights: list[list[object]] | None = None, **settings: object) -> Sheets:
    """SMALL with a 考核指标 sheet (when given) and 设置 rows added."""
    sheets = {title: [list(r) for r in rows] for title, rows in SMALL.items()}
    sheets["设置"] += [[key, value] for key, value in settings.items()]
    if weights is not None:
        sheets["考核指标"] = [list(r) for r in weights]
    return sheets


def test_the_policy_rows_and_sheet_are_read(tmp_path: Path) -> None:
    data = load_county_file(book(tmp_path, with_policy(WEIGHTS, 每个逾期扣分=25, 通报发送="督导室、责任区",
                                                       申诉决定时限=3)))
    policy = data.policy
    assert policy.school_assessment.indicators == {"按期整改率": 40, "整改逾期": 30, "自查按时率": 30}
    assert list(policy.school_assessment.indicators) == ["按期整改率", "整改逾期", "自查按时率"]  # the sheet's order
    assert policy.school_assessment.overdue_deduction == 25
    assert policy.bulletin_rooms == ["office", "district"]
    assert policy.appeal_within == parse_deadline_spec("3个工作日")
    rest = policy.model_copy(update={"school_assessment": SchoolAssessment(), "bulletin_rooms": ["office"],
                                     "appeal_within": parse_deadline_spec("5个工作日")})
    assert rest == Policy()  # everything else of the policy stays default


@pytest.mark.parametrize(("typed", "rooms", "appeal"), [
    ("督导室", ["office"], "5个工作日"),
    ("责任区，督导室", ["district", "office"], "5"),
    ("office、district", ["office", "district"], "5 个工作日"),
])
def test_room_words_and_appeal_forms(tmp_path: Path, typed: str, rooms: list[str], appeal: str) -> None:
    policy = load_county_file(book(tmp_path, with_policy(通报发送=typed, 申诉决定时限=appeal))).policy
    assert policy.bulletin_rooms == rooms and policy.appeal_within.n == 5


def test_without_the_sheet_and_rows_the_default_policy(tmp_path: Path) -> None:
    assert load_county_file(book(tmp_path, SMALL)).policy == Policy()
    header_only = with_policy([["指标", "权重"]], 每个逾期扣分=10)
    policy = load_county_file(book(tmp_path, header_only)).policy
    assert policy.school_assessment == SchoolAssessment(indicators=dict(DEFAULT_SCHOOL_WEIGHTS), overdue_deduction=10)
    assert policy.model_copy(update={"school_assessment": SchoolAssessment()}) == Policy()


def test_round_trip_through_the_writer(tmp_path: Path) -> None:
    demo = load_county_file(DEMO_COUNTY_FILE)
    policy = demo.policy.model_copy(update={
        "school_assessment": SchoolAssessment(indicators={"整改率": 50, "专项检查符合率": 50}, overdue_deduction=15),
        "bulletin_rooms": ["office", "district"], "appeal_within": parse_deadline_spec("8个工作日")})
    data = demo.model_copy(update={"policy": policy})
    path = tmp_path / "county.xlsx"
    write_county_xlsx(data, path)
    again = load_county_file(path)
    assert again.policy == policy and again == data
    book_ = openpyxl.load_workbook(path)
    assert [list(r) for r in book_["考核指标"].iter_rows(values_only=True)] == [
        ["指标", "权重"], ["整改率", 50], ["专项检查符合率", 50]]
    settings = {r[0]: r[1] for r in book_["设置"].iter_rows(min_row=2, values_only=True)}
    assert (settings["每个逾期扣分"], settings["通报发送"], settings["申诉决定时限"]) == (15, "督导室、责任区", 8)


def test_the_default_policy_is_written_for_the_office_to_see(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_county_xlsx(load_county_file(DEMO_COUNTY_FILE), path)
    rows = list(openpyxl.load_workbook(path)["考核指标"].iter_rows(min_row=2, values_only=True))
    assert dict(rows) == DEFAULT_SCHOOL_WEIGHTS
    assert load_county_file(path).policy == Policy()


@pytest.mark.parametrize(("weights", "settings", "where", "header", "message"), [
    ([*WEIGHTS[:3], ["升学率", 30]], {}, "工作表“考核指标”第 4 行", "“指标”列",
     f"没有“升学率”这项考核指标，可以填写的指标有：{KNOWN}。"),
    ([*WEIGHTS[:3], ["自查按时率", "三十"]], {}, "工作表“考核指标”第 4 行", "“权重”列", "这里应当填一个整数，现在是“三十”。"),
    ([*WEIGHTS[:3], ["自查按时率", 30.5]], {}, "工作表“考核指标”第 4 行", "“权重”列", "这里应当填一个整数"),
    ([*WEIGHTS[:3], ["自查按时率", -30]], {}, "工作表“考核指标”第 4 行", "“权重”列", "这里不能小于 0，现在是 -30。"),
    ([*WEIGHTS[:3], ["自查按时率", None]], {}, "工作表“考核指标”第 4 行", "“权重”列", "这一项必须填写"),
    ([*WEIGHTS[:3], [None, 30]], {}, "工作表“考核指标”第 4 行", "“指标”列", "这一项必须填写"),
    ([*WEIGHTS, ["整改逾期", 0]], {}, "工作表“考核指标”第 5 行", "“指标”列",
     "考核指标“整改逾期”与工作表“考核指标”第 3 行重复"),
    ([*WEIGHTS[:3], ["自查按时率", 20]], {}, "工作表“考核指标”", "“权重”列",
     "各项指标的权重加起来应当正好是 100，现在是 90（按期整改率 40、整改逾期 30、自查按时率 20）。"),
    (None, {"每个逾期扣分": 0}, "工作表“设置”第 5 行", "设置项“每个逾期扣分”", "这里不能小于 1，现在是 0。"),
    (None, {"每个逾期扣分": "很多"}, "工作表“设置”第 5 行", "设置项“每个逾期扣分”", "这里应当填一个整数，现在是“很多”。"),
    (None, {"通报发送": "督导室、学校"}, "工作表“设置”第 5 行", "设置项“通报发送”",
     "“学校”不在可选的范围内，只能填：督导室、责任区。"),
    (None, {"申诉决定时限": "10天"}, "工作表“设置”第 5 行", "设置项“申诉决定时限”",
     "这里应当是一段时长，例如“5个工作日”（只能按工作日计），现在是“10天”。"),
])
def test_bad_values_are_named_by_sheet_row_and_column(
    tmp_path: Path, weights: list[list[object]] | None, settings: dict[str, object], where: str, header: str,
    message: str,
) -> None:
    found = problems(tmp_path, with_policy(weights, **settings))
    assert any(loc == where and f == header and message in msg for loc, f, msg in found), found


def test_every_bad_row_is_named_at_once(tmp_path: Path) -> None:
    sheets = with_policy([["指标", "权重"], ["升学率", 50], ["按期整改率", "半"], ["整改率", 50]], 通报发送="全县")
    found = {(loc, f) for loc, f, _ in problems(tmp_path, sheets)}
    assert {("工作表“考核指标”第 2 行", "“指标”列"), ("工作表“考核指标”第 3 行", "“权重”列"),
            ("工作表“设置”第 5 行", "设置项“通报发送”")} <= found


@pytest.mark.parametrize(("typed", "code"), [("原期限", "deadline"), ("今日", "today"), ("deadline", "deadline")])
def test_what_an_extension_counts_from(tmp_path: Path, typed: str, code: str) -> None:
    policy = load_county_file(book(tmp_path, with_policy(延期起算=typed))).policy
    assert policy.extend_from == code and policy.model_copy(update={"extend_from": "today"}) == Policy()


def test_an_unknown_extension_base_is_named(tmp_path: Path) -> None:
    [(location, field, message)] = problems(tmp_path, with_policy(延期起算="明天"))
    assert location.startswith("工作表“设置”第") and "延期起算" in field and "今日" in message and "原期限" in message
