"""The command language: canonical forms, aliases, forgiving punctuation, and no crash on any input."""
from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.contract import UserError as ParseError
from handlers import COMMANDS

BOT = "督导助手"
c = SimpleNamespace(**{spec.command.__name__: spec.command for spec in COMMANDS.specs})  # the typed commands


def p(text: str, **kw: object) -> object:
    return COMMANDS.parse(text, BOT, **kw)


@pytest.mark.parametrize("text", ["#问题 城口中学 安全稳定 消防通道堆放杂物 限期3天",
                                  "#发现 城口中学 安全稳定 消防通道堆放杂物 限期3天",
                                  "＃督查　城口中学　安全稳定　消防通道堆放杂物　限期３天"])
def test_new_finding_canonical_and_aliases(text: str) -> None:
    cmd = p(text)
    assert isinstance(cmd, c.NewFinding)
    assert cmd.words == ("城口中学", "安全稳定", "消防通道堆放杂物")
    assert cmd.deadline is not None and (cmd.deadline.kind, cmd.deadline.n) == ("days", 3)


def test_finding_severity_and_workdays() -> None:
    cmd = p("#问题 实验小学 食堂 留样缺失 严重 2个工作日")
    assert cmd.severity == "严重" and (cmd.deadline.kind, cmd.deadline.n) == ("workdays", 2)
    assert cmd.words == ("实验小学", "食堂", "留样缺失")


def test_finding_date_deadline() -> None:
    cmd = p("#问题 城口中学 消防通道堆放杂物 9月15日前")
    assert (cmd.deadline.kind, cmd.deadline.month, cmd.deadline.day) == ("date", 9, 15)


@pytest.mark.parametrize("text", ["#整改 Q12 已清理通道并张贴标识", "#已整改 Q12 已清理通道并张贴标识",
                                  "#整改完成 q12 已清理通道并张贴标识", "＃整改 Q0012：已清理通道并张贴标识",
                                  "#整改 12 已清理通道并张贴标识", "@督导助手 整改 Q12 已清理通道并张贴标识"])
def test_rectify_forms(text: str) -> None:
    assert p(text) == c.Rectify(ref=12, note="已清理通道并张贴标识")


def test_verify_pass_fail_and_strike_off() -> None:
    assert p("#验收 Q12 通过") == c.Verify(ref=12, passed=True)
    assert p("#验收 Q12 不通过 仍有杂物") == c.Verify(ref=12, passed=False, reason="仍有杂物")
    assert p("#销号 Q12") == c.Verify(ref=12, passed=True)
    with pytest.raises(ParseError):
        p("#验收 Q12")


def test_withdraw_needs_reason_and_extend_needs_time() -> None:
    assert p("#撤销 Q12 重复录入") == c.Withdraw(ref=12, reason="重复录入")
    with pytest.raises(ParseError):
        p("#撤销 Q12")
    cmd = p("#延期 Q12 5天 需采购设备")
    assert isinstance(cmd, c.Extend) and cmd.deadline.n == 5 and cmd.reason == "需采购设备"
    with pytest.raises(ParseError):
        p("#延期 Q12 需采购设备")


def test_queries_lists_and_misc() -> None:
    assert p("#查询 Q12") == c.Query(ref=12)
    assert p("#查询 城口中学") == c.ListFindings(words=("城口中学",))  # a school: its list
    assert p("#清单") == c.ListFindings()
    assert p("#清单 逾期") == c.ListFindings(filter="overdue")
    assert p("#清单 待验收") == c.ListFindings(filter="rectified")
    assert p("#到校 城口中学 检查食堂和校车") == c.Visit(words=("城口中学", "检查食堂和校车"))
    assert p("#统计") == c.Stats()
    assert p("#导出") == c.Export()
    assert p("#帮助") == c.Help()
    assert p("#帮助 问题") == c.Help(topic="问题")
    assert p("#绑定 482913") == c.Bind(code="482913")
    assert p("#本群 学校 城口中学") == c.BindRoom(scope="school", name="城口中学")
    assert p("#本群 责任区 第一责任区") == c.BindRoom(scope="district", name="第一责任区")
    assert p("#本群 督导室") == c.BindRoom(scope="office")
    assert p("#月报 本月到校4次") == c.Submit(kind="月报", text="本月到校4次")
    assert p("#开学检查 城口中学 完成 发现问题2个") == c.TermCheck(words=("城口中学",), done=True, problems=2)


@pytest.mark.parametrize("text", ["收到，马上安排", "问题已经整改了", "整改 Q12 已完成", "请大家注意#安全", ""])
def test_ordinary_chat_is_not_a_command(text: str) -> None:
    assert p(text) is None


def test_private_chat_needs_no_hash() -> None:
    assert p("查询 Q3", private=True) == c.Query(ref=3)
    assert p("你好", private=True) is None


def test_unknown_hash_word() -> None:
    assert p("#哈哈") == c.Unknown(word="哈哈")


def test_mention_anywhere_when_platform_says_so() -> None:
    assert p("请 @督导助手 查询 Q3", mentions_bot=True) == c.Query(ref=3)


def test_chinese_punctuation_kept_in_user_text() -> None:
    cmd = p("#验收 Q1 不通过 三楼扶手同样松动，一并整改")
    assert cmd.reason == "三楼扶手同样松动，一并整改"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_no_input_crashes_the_parser(text: str) -> None:
    try:
        p(text)
        p("#" + text)
        p(text, private=True)
    except ParseError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["问题", "整改", "验收", "撤销", "延期", "查询", "清单", "到校", "本群", "绑定", "开学检查"]),
       st.text(alphabet=st.sampled_from(list("Q0123456789 ：:，天个工作日月前限期通过不学校城口中")), max_size=30))
def test_command_words_with_random_arguments(word: str, rest: str) -> None:
    with contextlib.suppress(ParseError):
        assert p(f"#{word}{rest}") is not None


def test_every_command_has_a_handler_a_help_topic_and_a_permission_row() -> None:
    from bot.domain.permissions import Action
    from tests.unit.test_permissions import MATRIX

    rows = {row[0] for row in MATRIX} | {Action.WITHDRAW, Action.CORRECT}  # tested on their own (they depend on the finder)
    for spec in COMMANDS.specs:
        assert callable(spec.handler) and callable(spec.parse), spec.command
        assert set(spec.actions) <= rows, f"{spec.command.__name__}: no permission row for {spec.actions}"
        if spec.words and not spec.on_empty:  # every command but #帮助 itself has its help topics, from its words
            assert spec.help and set(spec.help) <= set(spec.words), spec.command
        assert spec.actions or spec.fallback, spec.command
    assert all(COMMANDS.topic_of(word) in COMMANDS.topics for spec in COMMANDS.specs if spec.help
               for word in spec.words)


@pytest.mark.parametrize("text", ["#申诉 Q12 该设施检查前已修复", "＃申诉　q0012：该设施检查前已修复",
                                  "@督导助手 申诉 Q12 该设施检查前已修复", "#申述 Q12 该设施检查前已修复"])
def test_appeal_forms(text: str) -> None:
    assert p(text) == c.Appeal(ref=12, text="该设施检查前已修复")


def test_appeal_needs_an_id() -> None:
    with pytest.raises(ParseError) as err:
        p("#申诉 这个问题不属实")
    assert err.value.template == "errors/need_ref.j2"


def test_the_offices_decision_on_an_appeal() -> None:
    from handlers.appeals import read_decision

    assert read_decision(12, "该设施检查前已修复") is None  # no decision named: an appeal's reason
    upheld = read_decision(12, "维持")
    assert upheld is not None and (upheld.outcome, upheld.reason, upheld.deadline) == ("维持", "", None)
    assert read_decision(12, "维持，经复核问题属实").reason == "经复核问题属实"
    later = read_decision(12, "维持 期限 9月20日前 给学校留出采购时间")
    assert (later.deadline.kind, later.deadline.month, later.deadline.day) == ("date", 9, 20)
    assert later.reason == "给学校留出采购时间"
    assert read_decision(12, "维持 期限 5天").deadline.n == 5
    withdrawn = read_decision(12, "撤销 经核实不属实")
    assert (withdrawn.outcome, withdrawn.reason) == ("撤销", "经核实不属实")
    amended = read_decision(12, "修改 类别 食品卫生")
    assert (amended.outcome, amended.amend.field, amended.amend.value) == ("修改", "category", "食品卫生")
    assert read_decision(12, "修改 较重").amend.field == "severity"


@pytest.mark.parametrize("text,template", [
    ("撤销", "findings/appeal_need_reason.j2"),  # 撤销 as #撤销: with its reason
    ("修改 颜色 红", "findings/amend_usage.j2"),
    ("修改 学校 县一中", "findings/appeal_decide_usage.j2"),  # a move is #修改's, not an appeal's
    ("维持 期限", "findings/appeal_decide_usage.j2"),
    ("维持 期限 尽快", "errors/bad_deadline.j2"),
    ("维持 期限 2月30日前", "errors/bad_deadline.j2"),
])
def test_a_decision_that_cannot_be_read_is_a_question_back(text: str, template: str) -> None:
    from handlers.appeals import read_decision

    with pytest.raises(ParseError) as err:
        read_decision(12, text)
    assert err.value.template == template


@pytest.mark.parametrize("text", ["#印发通报 2024年3月 城督〔2024〕3号 印发日期 4月2日",
                                  "＃印发通报　2024年3月　城督［2024］3号　印发日期：4月2日",
                                  "#印发通报 城督〔 2024 〕3 号 2024年3月 印发日期4月2日",
                                  "@督导助手 印发通报 2024年3月 城督(2024)3号 4月2日"])
def test_issue_bulletin_forms(text: str) -> None:
    cmd = p(text)
    assert isinstance(cmd, c.IssueBulletin) and not cmd.correction
    assert (cmd.month, cmd.day) == ("2024年3月", "4月2日") and cmd.number.endswith("3号")


def test_correct_bulletin_reads_both_numbers_and_the_reason() -> None:
    assert p("#更正通报 城督〔2024〕3号 城督〔2024〕5号 理由：Q1描述有误（补记） 印发日期 4月8日") == c.IssueBulletin(
        correction=True, corrects="城督〔2024〕3号", number="城督〔2024〕5号", day="4月8日", reason="Q1描述有误（补记）")
    assert p("#更正通报 城督〔2024〕3号").number == ""  # the new 文号 missing: the handler says so


def test_bulletin_list_is_a_digest_word() -> None:
    assert p("#通报 列表") == c.Digest(kind="issued") and p("#通报 文档").kind == "bulletin"


@pytest.mark.parametrize("text", ["#链接 Q12", "＃链接　q0012", "#上传链接 Q12", "@督导助手 链接 Q12"])
def test_link_forms(text: str) -> None:
    assert p(text) == c.Link(ref=12)
