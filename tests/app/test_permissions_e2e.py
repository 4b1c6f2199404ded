"""Every role × every command through the real app: allowed commands do their work, the rest are refused
politely without revealing anything. The school is 城口县葛城小学 (第一责任区): supervisor 李明, district lead
周永红 (not assigned to it), principal 赵敏; the office is 刘建国; a stranger has no roster entry."""
from __future__ import annotations

import pytest

OFFICE, SUPERVISOR, LEAD, PRINCIPAL, STRANGER = (
    "wxid_liujianguo", "wxid_liming", "wxid_zhouyonghong", "wxid_zhaomin", "wxid_stranger")
ROLES = {"office": OFFICE, "supervisor": SUPERVISOR, "lead": LEAD, "principal": PRINCIPAL, "stranger": STRANGER}
OTHER_PRINCIPAL = "wxid_wangfang"  # 城口中学: may not see 葛城小学
REFUSED = ("抱歉", "没有找到 Q")

# command, state the finding must be in first (None: no finding), roles allowed
CASES = [
    ("#问题 葛城小学 安全稳定 围墙破损", None, {"office", "supervisor", "lead"}),
    ("#整改 Q1 已修补围墙", "open", {"office", "principal"}),
    ("#验收 Q1 通过", "rectified", {"office", "supervisor", "lead"}),
    ("#验收 Q1 不通过 仍有缺口", "rectified", {"office", "supervisor", "lead"}),
    ("#撤销 Q1 录入重复", "open", {"office", "supervisor"}),  # the office, or the finder (李明 logs it)
    ("#延期 Q1 5天 需采购材料", "open", {"office"}),
    ("#查询 Q1", "open", {"office", "supervisor", "lead", "principal"}),
    ("#清单 葛城小学", "open", {"office", "supervisor", "lead", "principal"}),
    ("#统计 葛城小学", "open", {"office", "supervisor", "lead", "principal"}),
    ("#到校 葛城小学 检查食堂", None, {"office", "supervisor", "lead"}),
    ("#导出", "open", {"office"}),
    ("#考核 2024-03", None, {"office"}),
    ("#学校考核 葛城小学", "open", {"office", "supervisor", "lead", "principal"}),
    ("#通报 文档", None, {"office"}),
    ("#印发通报 2024年3月 城督〔2024〕3号", None, {"office"}),  # the office hears the month has not ended
    ("#月报 本月到校2次", None, {"office", "supervisor", "lead"}),
    ("#自查 本月自查完成", None, {"office", "principal"}),
    ("#汇总 第一责任区本月情况良好", None, {"office", "lead"}),
    ("#申诉 Q1 围墙属邻近单位所有", "open", {"principal"}),  # the office decides appeals, it does not make them
    ("#专项督导 双减 双减专项督导 3月1日-3月31日 范围 全部 检查项 作业总量控制；课后服务开展", None, {"office"}),
    ("#专项检查 双减 葛城小学 1符合 2符合", "campaign", {"office", "supervisor", "lead"}),
    ("#专项进度 双减", "campaign", {"office", "supervisor", "lead", "principal"}),
    # without WEB_PUBLIC_URL each who may see it hears there are no links (tests/app/test_phone_links.py: with one)
    ("#链接 Q1", "open", {"office", "supervisor", "lead", "principal"}),
    # those who may log a finding here are answered (only the finder's own, just logged, takes photos: test_photos.py)
    ("#照片 Q1", "open", {"office", "supervisor", "lead"}),
    ("#帮助", None, {"office", "supervisor", "lead", "principal", "stranger"}),
]


async def _prepare(h, state: str | None) -> None:
    if state is None:
        return
    if state == "campaign":
        await h.say(None, OFFICE, "#专项督导 双减 双减专项督导 3月1日-3月31日 范围 全部 检查项 作业总量控制；课后服务开展")
        return
    await h.say(None, SUPERVISOR, "#问题 葛城小学 安全稳定 围墙破损")
    if state == "rectified":
        await h.say(None, PRINCIPAL, "#整改 Q1 已修补")


@pytest.mark.parametrize("text,state,allowed", CASES, ids=[c[0].split()[0] for c in CASES])
@pytest.mark.parametrize("role", list(ROLES))
async def test_role_command(harness, role: str, text: str, state: str | None, allowed: set[str]) -> None:
    await _prepare(harness, state)
    reply = await harness.one(None, ROLES[role], text)
    assert "出了问题" not in reply.text, reply.text  # never an internal error
    refused = any(mark in reply.text for mark in REFUSED)
    assert refused == (role not in allowed), f"{role} → {text}: {reply.text}"
    if refused:
        assert "围墙" not in reply.text  # a refusal reveals nothing


async def test_principal_of_another_school_sees_nothing(harness) -> None:
    await _prepare(harness, "open")
    for text in ("#查询 Q1", "#整改 Q1 已修补", "#清单 葛城小学"):
        reply = await harness.one(None, OTHER_PRINCIPAL, text)
        assert any(mark in reply.text for mark in REFUSED) and "围墙" not in reply.text


# the real reason each refusal gives (docs/design.md: "A refusal names the real reason, never a wrong one")
OFFICE_ONLY, SUPERVISORS, PRINCIPAL_ONLY = "由督导室办理", "由责任督学或督导室办理", "只有本校校长/园长或督导室"
REASONS = {
    "#问题": {"principal": SUPERVISORS},
    "#整改": {"supervisor": PRINCIPAL_ONLY, "lead": PRINCIPAL_ONLY},
    "#验收": {"principal": SUPERVISORS},
    "#撤销": {"lead": "录入该问题的督学或督导室", "principal": "录入该问题的督学或督导室"},
    "#延期": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#到校": {"principal": SUPERVISORS},
    "#导出": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#考核": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#通报": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#印发通报": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#月报": {"principal": "月报由责任督学提交"},
    "#自查": {"supervisor": "自查由校长/园长提交", "lead": "自查由校长/园长提交"},
    "#汇总": {"supervisor": "责任区负责人", "principal": "责任区负责人"},
    "#申诉": {"office": "申诉由本校校长/园长提出", "supervisor": "申诉由本校校长/园长提出",
            "lead": "申诉由本校校长/园长提出"},
    "#专项督导": {"supervisor": OFFICE_ONLY, "lead": OFFICE_ONLY, "principal": OFFICE_ONLY},
    "#专项检查": {"principal": SUPERVISORS},
    "#照片": {"principal": SUPERVISORS},
}
REFUSED_CASES = [(text, state, role) for text, state, allowed in CASES for role in ROLES if role not in allowed]


@pytest.mark.parametrize("text,state,role", REFUSED_CASES, ids=[f"{r}:{t.split()[0]}" for t, _, r in REFUSED_CASES])
async def test_every_refusal_gives_its_real_reason(harness, text: str, state: str | None, role: str) -> None:
    await _prepare(harness, state)
    reply = await harness.one(None, ROLES[role], text)
    expected = "还没有绑定" if role == "stranger" else REASONS[text.split()[0]][role]
    assert expected in reply.text, f"{role} → {text}: {reply.text}"
    assert "不在您的责任范围内" not in reply.text  # 葛城小学 is in every refused supervisor's district
