"""Findings overdue at each week's end (bot.reports.overdue_weeks): closed ones stop counting from their closing,
an extended one counts with the deadline it had at the time, withdrawn ones never count."""
from __future__ import annotations

from datetime import date, datetime

from bot.reports.overdue_weeks import overdue_by_week
from bot.storage.roster_repo import load_roster

SYXX, OFFICE = "room-syxx@chatroom", "room-office@chatroom"
ZHOU, LIUYANG, LIU = "wxid_zhouyonghong", "wxid_liuyang", "wxid_liujianguo"


async def test_each_week_counts_what_was_overdue_at_its_end(harness) -> None:
    h = harness  # T0: Monday 2024-03-11
    for what in ("扶手松动", "灭火器过期", "围墙破损", "重复登记的扶手"):
        await h.say(SYXX, ZHOU, f"#问题 实验小学 安全稳定 {what} 限期3月13日")
    await h.say(SYXX, ZHOU, "#撤销 Q4 重复录入")
    await h.say(OFFICE, LIU, "#延期 Q3 3月29日 需等待施工队", at="2024-03-19T10:00:00+08:00")
    await h.say(SYXX, LIUYANG, "#整改 Q2 已更换灭火器", at="2024-03-20T09:00:00+08:00")
    await h.say(SYXX, ZHOU, "#验收 Q2 通过", at="2024-03-20T15:00:00+08:00")
    now = datetime.fromisoformat("2024-04-02T10:00:00+08:00")
    async with h.app.db.reading() as session:
        roster = await load_roster(session)
        weeks = await overdue_by_week(session, roster, now, weeks=5)
        other = await overdue_by_week(session, roster, now, {next(s.id for s in roster.schools.values() if s.name == "城口县复兴中学")}, weeks=5)
    assert [(w.starts, w.ends) for w in weeks] == [
        (date(2024, 3, 4), date(2024, 3, 10)), (date(2024, 3, 11), date(2024, 3, 17)),
        (date(2024, 3, 18), date(2024, 3, 24)), (date(2024, 3, 25), date(2024, 3, 31)),
        (date(2024, 4, 1), date(2024, 4, 7))]
    assert weeks[-1].at == now  # the week under way is counted now, not on Sunday
    # 3/17: Q1 Q2 Q3 (Q3 still due 3/13); 3/24: Q1 (Q2 closed, Q3 due 3/29); 3/31 and now: Q1 Q3
    assert [w.overdue for w in weeks] == [0, 3, 1, 2, 2]
    assert [w.overdue for w in other] == [0, 0, 0, 0, 0]
