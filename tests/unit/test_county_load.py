"""Loading the county file from YAML: the demo county, defaults, and every kind of bad input with its line."""
from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.county import DEMO_COUNTY_FILE, CountyData, CountyError, load_county_file
from bot.county.policy import Policy
from bot.county.schema import CalendarConf
from bot.domain.calendar import WorkCalendar
from tests.support.paths import REPO

SHARED_DEMO = REPO.parent / "shared" / "data" / "demo-county.yaml"

SMALL = """\
county: 测试县
districts:
  - name: 第一责任区
    lead: p-sup
  - {name: 第二责任区}
schools:
  - {name: 测试县第一中学, short: [一中], district: 第一责任区, type: 高中}
  - {name: 测试县实验小学, short: [实小], district: 第二责任区}
people:
  - {id: p-off, name: 办公室, role: 督导室, chat_id: wx-off}
  - id: p-sup
    name: 督学甲
    role: 督学
    chat_id: wx-sup
    schools: [测试县第一中学, 测试县实验小学]
  - id: p-pri
    name: 校长乙
    role: 校长
    chat_id: wx-pri
    school: 测试县第一中学
rooms:
  - {chat_id: room-office, name: 办公室群, scope: office}
  - {chat_id: room-d1, name: 一区群, scope: district, district: 第一责任区}
  - {chat_id: room-s1, name: 一中群, scope: school, school: 测试县第一中学}
"""


def write(tmp_path: Path, text: str, name: str = "county.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing needle."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def problems(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    with pytest.raises(CountyError) as caught:
        load_county_file(write(tmp_path, text))
    return [(p.location, p.field, p.message) for p in caught.value.problems]


def test_demo_county_loads() -> None:
    data = load_county_file(DEMO_COUNTY_FILE)
    assert data.county == "城口县"
    assert (len(data.districts), len(data.schools), len(data.people), len(data.rooms)) == (3, 16, 24, 8)
    assert len(data.policy.categories) == 11
    assert data.policy == Policy()  # the demo's policy values are the defaults
    assert data.districts[0].lead == "p-zhou"
    assert data.school("重庆市城口中学").short == ["城口中学", "城中"]
    assert data.person("p-wangf").school == "重庆市城口中学"
    assert data.rooms[1].scope == "district" and data.rooms[1].district == "第一责任区"
    assert data.calendar.terms[0].starts == date(2023, 2, 13)
    assert data.calendar.terms[0].check_window == (-7, 14)
    assert isinstance(data.work_calendar(), WorkCalendar)


def test_demo_policy_values() -> None:
    policy = load_county_file(DEMO_COUNTY_FILE).policy
    assert policy.timezone == "Asia/Shanghai"
    assert policy.quiet_hours == (time(21, 30), time(7, 30))
    assert policy.reminder_time == time(9, 0)
    assert {k: (v.kind, v.n) for k, v in policy.default_deadline.items()} == {
        "一般": ("workdays", 10), "较重": ("workdays", 5), "严重": ("workdays", 2)}
    assert [(s.after, s.notify, s.room) for s in policy.overdue_ladder][1] == (3, ["district_lead"], "district")
    assert (policy.verify_within.kind, policy.verify_within.n) == ("workdays", 5)
    assert policy.monthly["汇总"].due_day == 28 and policy.monthly["汇总"].remind_before == 2
    assert policy.digest.weekly.weekday == 1 and policy.digest.weekly.time == time(8, 30)
    assert policy.digest.monthly_bulletin.day == "last"


def test_shared_demo_copy_is_the_shipped_one_with_a_calendar_that_runs_on() -> None:
    """The shared copy (frozen) is the shipped one but for the terms the shipped one adds: the current and the next
    school year, so its calendar does not run out (issue 27)."""
    if not SHARED_DEMO.is_file():
        pytest.skip("../shared is not present on this machine")
    shared, shipped = load_county_file(SHARED_DEMO), load_county_file(DEMO_COUNTY_FILE)
    assert shared.model_copy(update=dict(calendar=None)) == shipped.model_copy(update=dict(calendar=None))
    assert {t.name for t in shared.calendar.terms} < {t.name for t in shipped.calendar.terms}
    assert {"2026年秋季学期", "2027年春季学期", "2027年秋季学期"} <= {t.name for t in shipped.calendar.terms}
    kept = [line for line in DEMO_COUNTY_FILE.read_text("utf-8").splitlines() if "2026年春季学期" not in line
            and "2027年秋季学期" not in line]
    assert kept == SHARED_DEMO.read_text("utf-8").splitlines()


def test_policy_and_calendar_default_when_left_out(tmp_path: Path) -> None:
    demo = DEMO_COUNTY_FILE.read_text(encoding="utf-8")
    data = load_county_file(write(tmp_path, demo[: demo.index("# Policy:")]))
    assert data.policy == Policy()
    assert data.calendar == CalendarConf()
    empty = load_county_file(write(tmp_path, SMALL + "policy:\ncalendar:\n", "empty.yaml"))
    assert empty.policy == Policy() and empty.calendar.terms == []


def test_partial_policy_merges_with_defaults(tmp_path: Path) -> None:
    text = SMALL + """\
policy:
  quiet_hours: [22:00, 7:00]
  reminder_time: 8:30
  default_deadline: {严重: 1个工作日}
  monthly: {自查: {due_day: 18}}
  digest: {monthly_bulletin: {day: 27}}
  categories:
    - {name: 安全, aliases: [消防]}
calendar:
  extra_holidays: [2027-01-01]
  extra_workdays: [2027-01-04]
"""
    data = load_county_file(write(tmp_path, text))
    policy = data.policy
    assert policy.quiet_hours == (time(22, 0), time(7, 0)) and policy.reminder_time == time(8, 30)
    assert policy.default_deadline["严重"].n == 1 and policy.default_deadline["一般"].n == 10
    assert policy.monthly["自查"].due_day == 18 and policy.monthly["自查"].remind_before == 3
    assert policy.monthly["月报"].due_day == 25
    assert policy.digest.monthly_bulletin.day == 27 and policy.digest.weekly.weekday == 1
    assert [c.name for c in policy.categories] == ["安全", "其他"]  # 其他 is always there
    cal = data.work_calendar()
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2027, 1, 4))


def test_json_round_trip() -> None:
    """The core stores policy and calendar as JSON and reads them back."""
    data = load_county_file(DEMO_COUNTY_FILE)
    assert Policy.model_validate(data.policy.model_dump(mode="json")) == data.policy
    assert CalendarConf.model_validate(data.calendar.model_dump(mode="json")) == data.calendar
    assert CountyData.model_validate(data.model_dump(mode="json")) == data


def test_cross_checks_run_on_plain_validation() -> None:
    raw = load_county_file(DEMO_COUNTY_FILE).model_dump(mode="json")
    raw["people"][2]["schools"].append("不存在的学校")
    with pytest.raises(ValidationError, match="名册里没有“不存在的学校”这所学校"):
        CountyData.model_validate(raw)


BAD_CASES = [
    # (replace old, with new, the line holding this text, field, message)
    ("    school: 测试县第一中学", "    school: 测试县不存在小学", "测试县不存在小学", "people 第 3 项的 school",
     "名册里没有“测试县不存在小学”这所学校"),
    ("schools: [测试县第一中学, 测试县实验小学]", "schools: [测试县第一中学, 不存在小学]", "不存在小学",
     "people 第 2 项的 schools 第 2 项", "名册里没有“不存在小学”这所学校"),
    ("scope: school, school: 测试县第一中学", "scope: school, school: 某小学", "某小学", "rooms 第 3 项的 school",
     "名册里没有“某小学”这所学校"),
    ("district: 第一责任区}\n", "district: 第九责任区}\n", "第九责任区", "rooms 第 2 项的 district",
     "名册里没有“第九责任区”这个责任区"),
    ("district: 第二责任区}", "district: 第九责任区}", "第九责任区", "schools 第 2 项的 district",
     "名册里没有“第九责任区”这个责任区"),
    ("    lead: p-sup", "    lead: p-nobody", "p-nobody", "districts 第 1 项的 lead", "名册的人员中没有编号“p-nobody”"),
    ("    lead: p-sup", "    lead: p-pri", "lead: p-pri", "districts 第 1 项的 lead", "“p-pri”是校长；责任区负责人必须是督学"),
    ("    chat_id: wx-pri", "    chat_id: wx-sup", "chat_id: wx-sup", "people 第 3 项的 chat_id",
     "账号ID“wx-sup”与第 14 行重复"),
    ("chat_id: room-s1", "chat_id: room-d1", "chat_id: room-d1", "rooms 第 3 项的 chat_id", "群ID“room-d1”与第 23 行重复"),
    ("  - id: p-pri", "  - id: p-sup", "id: p-sup", "people 第 3 项的 id", "人员编号“p-sup”与第 11 行重复"),
    ("{name: 测试县实验小学", "{name: 测试县第一中学", "测试县第一中学, short: [实小]", "schools 第 2 项的 name",
     "学校名称“测试县第一中学”与第 7 行重复"),
    ("short: [实小]", "short: [实小, 一中]", "实小, 一中", "schools 第 2 项的 short 第 2 项",
     "简称“一中”已经是“测试县第一中学”（第 7 行）的名称或简称了"),
    ("    role: 校长", "    role: 老师", "role: 老师", "people 第 3 项的 role", "“老师”不在可选的范围内，只能填：督导室、督学、校长、园长"),
    ("scope: office", "scope: county", "scope: county", "rooms 第 1 项的 scope", "现在是“county”"),
    (", district: 第二责任区}", "}", "short: [实小]", "schools 第 2 项的 district", "这一项必须填写"),
    ("    school: 测试县第一中学\n", "", "  - id: p-pri", "people 第 3 项的 school", "校长必须填写所在的学校"),
    ("    name: 校长乙", "    name: 校长乙\n    schools: [测试县第一中学]", "schools: [测试县第一中学]",
     "people 第 3 项的 schools", "校长只对应一所学校"),
    ("    name: 督学甲", "    name: 督学甲\n    phone: 123", "phone: 123", "people 第 2 项的 phone", "名册里没有“phone”这一项"),
    ("schools: [测试县第一中学, 测试县实验小学]", "schools: [测试县第一中学, 测试县第一中学]", "schools: [测试县第一中学, 测试县第一中学]",
     "people 第 2 项的 schools 第 2 项", "学校“测试县第一中学”写了两次"),
    ("scope: district, district: 第一责任区", "scope: district", "scope: district", "rooms 第 2 项的 district",
     "责任区群需要填写责任区"),
]


@pytest.mark.parametrize(("old", "new", "needle", "field", "message"), BAD_CASES)
def test_bad_input_is_located(tmp_path: Path, old: str, new: str, needle: str, field: str, message: str) -> None:
    assert old in SMALL
    text = SMALL.replace(old, new, 1)
    found = problems(tmp_path, text)
    nth = 2 if field in ("people 第 3 项的 chat_id", "rooms 第 3 项的 chat_id", "people 第 3 项的 id") else 1
    expected_line = f"第 {line_of(text, needle, nth)} 行"
    assert any(loc == expected_line and f == field and message in msg for loc, f, msg in found), found


def test_error_text_lists_every_problem(tmp_path: Path) -> None:
    text = SMALL.replace("    school: 测试县第一中学", "    school: 测试县不存在小学").replace(
        "chat_id: room-s1", "chat_id: room-d1")
    with pytest.raises(CountyError) as caught:
        load_county_file(write(tmp_path, text, "demo.yaml"))
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert (f"demo.yaml，第 {line_of(text, '测试县不存在小学')} 行，people 第 3 项的 school："
            "名册里没有“测试县不存在小学”这所学校，请与学校名单中的名称核对（要写全称）。") in lines


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (SMALL.replace("county: 测试县", "county: [测试县"), 2, "方括号 [ ] 或花括号 { } 没有配对"),
        (SMALL.replace("  - {name: 第二责任区}", "  - {name: 第二责任区"), 6, "方括号 [ ] 或花括号 { } 没有配对"),
        (SMALL.replace("    role: 督学\n", "    role: 督学\n   bad indent: x\n"), 14, "缩进没有对齐"),
        (SMALL.replace("county: 测试县", "county: 测试县\ncounty: 别的县"), 2, "“county”写了两次（第 1 行已经有了）"),
        ("- a\n- b\n", 1, "文件的最外层应当是一行一项的设置"),
        ("county: 测试县\n\tdistricts: []\n", 2, "用了 Tab 键缩进"),
    ],
)
def test_syntax_errors_have_lines(tmp_path: Path, text: str, line: int, message: str) -> None:
    found = problems(tmp_path, text)
    assert any(loc == f"第 {line} 行" and message in msg for loc, _, msg in found), found


@pytest.mark.parametrize(
    ("section", "field", "message"),
    [
        ("policy:\n  timezone: Asia/Beijing\n", "policy.timezone", "不认识时区“Asia/Beijing”"),
        ("policy:\n  reminder_time: 25:00\n", "policy.reminder_time", "“25:00”不是有效的时间"),
        ("policy:\n  default_deadline: {严重: 9月15日前}\n", "policy.default_deadline.严重", "应当是一段时长，例如“10个工作日”，现在是“9月15日前”"),
        ("policy:\n  default_deadline: {严重: 2月30日前}\n", "policy.default_deadline.严重", "现在是“2月30日前”"),
        ("policy:\n  default_deadline: {紧急: 1天}\n", "policy.default_deadline.紧急", "“紧急”不在可选的范围内，只能填：一般、较重、严重"),
        ("policy:\n  verify_within: 5天\n", "policy.verify_within", "例如“5个工作日”（只能按工作日计），现在是“5天”"),
        ("policy:\n  monthly: {季报: {due_day: 3, remind_before: 1}}\n", "policy.monthly.季报", "“季报”不在可选的范围内，只能填：自查、月报、汇总"),
        ("policy:\n  monthly: {自查: {due_day: 31}}\n", "policy.monthly.自查.due_day", "不能大于 28，现在是 31"),
        (("policy:\n  overdue_ladder:\n    - {after: 3, notify: [office], room: office}\n"
          "    - {after: 1, notify: [office], room: office}\n"), "policy.overdue_ladder", "一级比一级大，现在是 3、1"),
        ("policy:\n  overdue_ladder:\n    - {after: 0, notify: [mayor], room: office}\n",
         "policy.overdue_ladder 第 1 项的 notify 第 1 项", "“mayor”不在可选的范围内"),
        ("policy:\n  digest: {weekly: {weekday: 8}}\n", "policy.digest.weekly.weekday", "不能大于 7，现在是 8"),
        ("policy:\n  digest: {monthly_bulletin: {day: first}}\n", "policy.digest.monthly_bulletin.day", "或者 last（月末），现在是“first”"),
        ("policy:\n  categories: [{name: 安全, aliases: [消防]}, {name: 消防}]\n", "policy.categories",
         "“消防”同时出现在类别“安全”和“消防”里"),
        ("policy:\n  reminder_tiem: 9:00\n", "policy.reminder_tiem", "名册里没有“reminder_tiem”这一项"),
        ("policy:\n  school_assessment:\n    indicators: {按期整改率: 80, 督导次数: 20}\n",
         "policy.school_assessment.indicators.督导次数", "没有“督导次数”这项考核指标，可以填写的指标有：按期整改率、整改率、整改逾期、自查按时率"),
        ("policy:\n  school_assessment:\n    indicators:\n      按期整改率: 50\n      整改率: 30\n",
         "policy.school_assessment.indicators", "权重加起来应当正好是 100，现在是 80（按期整改率 50、整改率 30）"),
        ("policy:\n  school_assessment:\n    overdue_deduction: 0\n", "policy.school_assessment.overdue_deduction",
         "不能小于 1，现在是 0"),
        ("calendar:\n  terms:\n    - {name: 秋季, starts: 2023-09-31}\n", "calendar.terms 第 1 项的 starts", "“2023-09-31”不是有效的日期"),
        ("calendar:\n  terms:\n    - {name: 秋季, starts: 2023-09-01, check_window: [14, -7]}\n",
         "calendar.terms 第 1 项的 check_window", "检查开始应当不晚于检查结束，现在分别是 14 和 -7 天"),
        ("calendar:\n  extra_holidays: [2027-01-04]\n  extra_workdays: [2027-01-04]\n", "calendar",
         "同时写在了额外放假日和额外上班日里，只能留一处：2027-01-04"),
    ],
)
def test_bad_policy_and_calendar(tmp_path: Path, section: str, field: str, message: str) -> None:
    text = SMALL + section
    found = problems(tmp_path, text)
    key = re.findall(r"[a-z_]+", field)[-1]
    hits = [loc for loc, f, msg in found if f == field and message in msg]
    assert hits, found
    assert hits[0] == f"第 {line_of(text, key + ':', 1) if key + ':' in text else len(SMALL.splitlines()) + 1} 行"


def test_school_assessment_weights_are_checked_where_written(tmp_path: Path) -> None:
    text = SMALL + "policy:\n  school_assessment:\n    indicators:\n      按期整改率: 120\n      整改率: -20\n"
    with pytest.raises(CountyError) as caught:
        load_county_file(write(tmp_path, text, "weights.yaml"))
    assert str(caught.value) == (f"weights.yaml，第 {line_of(text, '整改率: -20')} 行，"
                                 "policy.school_assessment.indicators.整改率：这里不能小于 0，现在是 -20。")


def test_school_assessment_defaults_and_a_county_of_its_own(tmp_path: Path) -> None:
    default = load_county_file(DEMO_COUNTY_FILE).policy.school_assessment
    assert default.indicators == {"按期整改率": 36, "整改率": 18, "整改逾期": 18, "自查按时率": 18, "专项检查符合率": 10}
    assert default.overdue_deduction == 20
    text = SMALL + "policy:\n  school_assessment:\n    indicators: {整改逾期: 60, 按期整改率: 40}\n"
    own = load_county_file(write(tmp_path, text)).policy
    assert list(own.school_assessment.indicators.items()) == [("整改逾期", 60), ("按期整改率", 40)]
    assert Policy.model_validate(own.model_dump(mode="json")) == own  # stored as JSON and read back


def test_file_problems(tmp_path: Path) -> None:
    for name, content, message in [
        ("empty.yaml", "", "文件是空的"),
        ("comments.yaml", "# nothing\n", "文件是空的"),
        ("latin1.yaml", None, "文件不是 UTF-8 编码"),
        ("county.txt", "county: x", "不认识“.txt”这种文件"),
    ]:
        path = tmp_path / name
        if content is None:
            path.write_bytes("county: 测试县".encode("gb18030"))
        else:
            path.write_text(content, encoding="utf-8")
        with pytest.raises(CountyError, match=message):
            load_county_file(path)
    with pytest.raises(CountyError, match="missing.yaml：找不到这个文件"):
        load_county_file(tmp_path / "missing.yaml")


def test_yaml_11_surprises_are_off(tmp_path: Path) -> None:
    text = SMALL.replace("chat_id: wx-off", "chat_id: 12345") + "policy:\n  quiet_hours: [21:30, 7:30]\n"
    data = load_county_file(write(tmp_path, text))
    assert data.people[0].chat_id == "12345"
    assert data.policy.quiet_hours == (time(21, 30), time(7, 30))


def test_scope_accepts_chinese(tmp_path: Path) -> None:
    text = SMALL.replace("scope: office", "scope: 督导室").replace("scope: school,", "scope: 学校,")
    data = load_county_file(write(tmp_path, text))
    assert [r.scope for r in data.rooms] == ["office", "district", "school"]
