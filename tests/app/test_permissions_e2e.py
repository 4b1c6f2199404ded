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
    ("#月报 本月到校2次", None, {"office", "supervisor", "lead"}),
    ("#自查 本月自查完成", None, {"office", "principal"}),
    ("#汇总 第一责任区本月情况良好", None, {"office", "lead"}),
    ("#帮助", None, {"office", "supervisor", "lead", "principal", "stranger"}),
]


async def _prepare(h, state: str | None) -> None:
    if state is None:
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
