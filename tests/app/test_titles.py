"""People are named with their role as the roster has it (bot.domain.roles.titled): 周永红督学, 王芳校长, 孙丽园长 —
and the office's staff as 督导室刘建国, never as 督学."""
from __future__ import annotations

CKZX, JGYEY, OFFICE = "room-ckzx@chatroom", "room-jgyey@chatroom", "room-office@chatroom"
ZHOU, LIMING, LIU, WANGF, SUNLI = ("wxid_zhouyonghong", "wxid_liming", "wxid_liujianguo", "wxid_wangfang",
                                   "wxid_sunli")


async def test_a_finding_logged_by_the_office_is_announced_as_the_offices(harness) -> None:
    h = harness
    sent = await h.say(OFFICE, LIU, "#问题 城口中学 消防通道堆放杂物 限期5天")
    notice = next(s for s in sent if s.out.room == CKZX)
    assert notice.text.startswith("督导室刘建国登记了重庆市城口中学的问题 Q1"), notice.text
    assert "督学" not in notice.text and WANGF in notice.out.mentions
    reported = await h.say(CKZX, WANGF, "#整改 Q1 已清理通道")  # the office finder and the school's supervisor
    assert "请督导室刘建国、周永红督学验收" in reported[0].text, reported[0].text
    told = await h.say(OFFICE, LIU, "#撤销 Q1 录入重复")
    assert "已由督导室刘建国撤销" in next(s for s in told if s.out.room == CKZX).text


async def test_a_supervisor_and_a_principal_are_named_as_the_roster_has_them(harness) -> None:
    h = harness
    sent = await h.say(OFFICE, ZHOU, "#问题 城口中学 宿舍门锁损坏 限期5天")
    assert next(s for s in sent if s.out.room == CKZX).text.startswith("周永红督学登记了重庆市城口中学的问题 Q1")
    notice = next(s for s in await h.say(OFFICE, WANGF, "#整改 Q1 已更换门锁") if ZHOU in s.out.mentions)
    assert notice.text.startswith("王芳校长报告 Q1") and "请周永红督学验收" in notice.text, notice.text
    await h.say(JGYEY, LIMING, "#问题 机关幼儿园 滑梯螺丝松动 限期5天")
    asked = await h.say(JGYEY, SUNLI, "#申请延期 Q2 5天 需采购配件")
    assert any("孙丽园长" in s.text and "李明督学知悉" in s.text for s in asked), [s.text for s in asked]
    to_office = next(s for s in asked if s.out.room == OFFICE)
    assert to_office.text.startswith("【延期申请】孙丽园长申请 Q2"), to_office.text
