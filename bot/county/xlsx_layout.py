"""The sheets and column headers of a county workbook (see docs/county-xlsx.md), shared by reader and writer.

Sheets (required ones marked *; column headers marked * are required in their sheet):
- 设置*   项目*, 值 — rows 县名* (the county's name), 督导室名称 (the office's official name; default
          {县名}人民政府教育督导室), 额外放假日, 额外上班日 (dates such as 2027-01-01, separated by 、 , ；),
          and three of the policy: 每个逾期扣分 (policy.school_assessment.overdue_deduction), 通报发送 (督导室 and/or
          责任区 → policy.bulletin_rooms) and 申诉决定时限 (working days → policy.appeal_within)
- 责任区  责任区*, 负责人编号 (a person's 编号). Without this sheet the districts are the
          distinct values of 学校.责任区, and a reload keeps the leads already loaded.
- 学校*   学校名称*, 简称 (several separated by 、 , ；), 责任区*, 类型
- 人员*   编号*, 姓名*, 角色* (督导室/督学/校长/园长), 账号ID (chat id; empty = not bound yet),
          学校 (校长/园长: their one school; 督学: the schools they oversee, separated by 、 , ；)
- 群      群ID*, 群名称, 范围* (督导室/责任区/学校, or office/district/school), 责任区, 学校.
          Without this sheet a reload leaves the rooms as they are.
- 学期    学期名称*, 开学日期*, 检查开始 (days from 开学日期, default -7), 检查结束 (default 14)
- 专项督导 名称*, 类别 (立德树人/幼儿园办园行为/双减/开学/其他), 开始日期*, 结束日期*, 范围 (全部, 幼儿园, or
          责任区 and 学校 names separated by 、), 检查项* (separated by ；), 检查人 (people's 编号; empty = each
          school's 责任督学). Without this sheet a reload leaves the campaigns as they are.
- 考核指标 指标* (an indicator of bot.domain.school_indicators), 权重* (whole numbers adding up to 100) →
          policy.school_assessment.indicators, in the sheet's order. Without this sheet (or with its header only)
          the default weights.
The rest of the policy is not in the workbook: a county loaded from .xlsx takes the defaults for it (a county that
needs other deadlines, ladder or categories keeps a YAML file).
The first non-empty row of a sheet is its header row; headers may carry spaces and a few
aliases (学校 for 学校名称, 微信号 or chat_id for 账号ID ...); other columns are ignored, and so
are empty rows.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    title: str
    section: str
    columns: tuple[Column, ...]
    required: bool = False

    def header_of(self, field: str) -> str:
        return next((c.header for c in self.columns if c.field == field), field)


SETTINGS = Sheet("设置", "settings", (Column("项目", "key", True, ("设置项",)), Column("值", "value")), True)
DISTRICTS = Sheet(
    "责任区",
    "districts",
    (
        Column("责任区", "name", True, ("责任区名称", "名称")),
        Column("负责人编号", "lead", False, ("负责人",)),
    ),
)
SCHOOLS = Sheet(
    "学校",
    "schools",
    (
        Column("学校名称", "name", True, ("学校", "学校全称", "名称")),
        Column("简称", "short"),
        Column("责任区", "district", True, ("所属责任区", "督导责任区")),
        Column("类型", "type", False, ("学段", "学校类型")),
    ),
    True,
)
PEOPLE = Sheet(
    "人员",
    "people",
    (
        Column("编号", "id", True, ("人员编号", "id")),
        Column("姓名", "name", True),
        Column("角色", "role", True),
        Column("账号ID", "chat_id", False, ("chat_id", "微信号", "账号", "微信ID")),
        Column("学校", "school", False, ("所属学校", "负责学校", "联系学校")),
    ),
    True,
)
ROOMS = Sheet(
    "群",
    "rooms",
    (
        Column("群ID", "chat_id", True, ("chat_id", "群号")),
        Column("群名称", "name", False, ("群名",)),
        Column("范围", "scope", True, ("群范围", "scope")),
        Column("责任区", "district"),
        Column("学校", "school"),
    ),
)
TERMS = Sheet(
    "学期",
    "terms",
    (
        Column("学期名称", "name", True, ("学期",)),
        Column("开学日期", "starts", True, ("开学",)),
        Column("检查开始", "from"),
        Column("检查结束", "to"),
    ),
)
CAMPAIGNS = Sheet(
    "专项督导",
    "campaigns",
    (
        Column("名称", "name", True, ("专项督导名称", "专项名称")),
        Column("类别", "kind", False, ("类型", "专项类别")),
        Column("开始日期", "starts", True, ("开始",)),
        Column("结束日期", "ends", True, ("结束", "截止日期")),
        Column("范围", "scope", False, ("检查范围",)),
        Column("检查项", "items", True, ("检查内容", "检查清单")),
        Column("检查人", "checkers", False, ("检查人编号",)),
    ),
)
ASSESSMENT = Sheet(
    "考核指标",
    "assessment",
    (
        Column("指标", "name", True, ("考核指标", "指标名称")),
        Column("权重", "weight", True, ("分值",)),
    ),
)
SHEETS = (SETTINGS, DISTRICTS, SCHOOLS, PEOPLE, ROOMS, TERMS, CAMPAIGNS, ASSESSMENT)

COUNTY_KEY, OFFICE_KEY, HOLIDAYS_KEY, WORKDAYS_KEY = "县名", "督导室名称", "额外放假日", "额外上班日"
DEDUCTION_KEY, BULLETIN_KEY, APPEAL_KEY = "每个逾期扣分", "通报发送", "申诉决定时限"  # the policy's, in 设置
EXTEND_KEY = "延期起算"  # policy.extend_from
SETTING_KEYS = (COUNTY_KEY, OFFICE_KEY, HOLIDAYS_KEY, WORKDAYS_KEY, DEDUCTION_KEY, BULLETIN_KEY, APPEAL_KEY,
                EXTEND_KEY)
SCOPE_NAMES = {"office": "督导室", "district": "责任区", "school": "学校"}
BULLETIN_ROOM_NAMES = {"office": "督导室", "district": "责任区"}  # policy.bulletin_rooms as 通报发送 writes them
EXTEND_FROM_NAMES = {"today": "今日", "deadline": "原期限"}  # policy.extend_from as 延期起算 writes it
LIST_JOINER = "、"
ITEM_JOINER = "；"  # a campaign's checklist in one cell
DEFAULT_WINDOW = (-7, 14)


def header_key(text: object) -> str:
    """How headers are compared: NFKC, no spaces, case-insensitive."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()
