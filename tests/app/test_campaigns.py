"""专项督导 through the real app (docs/design.md "The office's formal work"): the office declares a campaign, the
supervisors record each school's checklist item by item (in several messages), every 不符合 item becomes a finding
of the campaign, progress by command; and each bad input answered with its reason, nothing written. The harness
starts on Mon 2024-03-11 09:00 in the demo county."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.storage import models as m

OFFICE_ROOM, D1, CKZX, JGYEY = "room-office@chatroom", "room-d1@chatroom", "room-ckzx@chatroom", "room-jgyey@chatroom"
LIU, ZHOU, LIMING, CHEN, WANGF = ("wxid_liujianguo", "wxid_zhouyonghong", "wxid_liming", "wxid_chenjing",
                                  "wxid_wangfang")
DECLARE = ("#专项督导 双减 “双减”政策落实专项督导 3月1日-3月31日 范围 全部 "
           "检查项 作业总量控制；课后服务开展；校外培训治理")


async def _count(h, model) -> int:  # noqa: ANN001 — a Harness
    async with h.app.db.reading() as s:
        return await s.scalar(select(func.count()).select_from(model)) or 0


async def _written(h) -> tuple[int, int, int]:  # noqa: ANN001
    return (await _count(h, m.Campaign), await _count(h, m.CampaignResult), await _count(h, m.Finding))


async def test_the_office_declares_a_campaign(harness) -> None:
    reply = await harness.one(OFFICE_ROOM, LIU, DECLARE)
    for part in ("已发布专项督导：“双减”政策落实专项督导（双减）", "3月1日—3月31日", "共 16 所", "各校责任督学",
                 "1.作业总量控制", "3.校外培训治理"):
        assert part in reply.text, reply.text
    async with harness.app.db.reading() as s:
        campaign = await s.scalar(select(m.Campaign))
        items = list(await s.scalars(select(m.CampaignItem).order_by(m.CampaignItem.number)))
    assert (campaign.kind, campaign.scope, campaign.source) == ("双减", "all", "chat")
    assert [i.title for i in items] == ["作业总量控制", "课后服务开展", "校外培训治理"]
    twice = await harness.one(OFFICE_ROOM, LIU, DECLARE, at="2024-03-11T09:05:00+08:00")
    assert "已有名为" in twice.text and await _count(harness, m.Campaign) == 1


async def test_scopes_checkers_and_numbered_items(harness) -> None:
    reply = await harness.one(OFFICE_ROOM, LIU, "#专项督导 办园行为专项督导 3月11日-4月20日 范围 幼儿园 "
                                                "检查项 1.保教结合 2.去小学化 检查人 李明")
    assert "（幼儿园办园行为）" in reply.text and "共 3 所" in reply.text and "检查人：李明" in reply.text
    reply = await harness.one(OFFICE_ROOM, LIU, "#专项督导 立德树人专项督导 3月11日-3月20日 范围 第一责任区、复兴中学 "
                                                "检查项 思政课程、劳动教育")
    assert "（立德树人）" in reply.text and "共 6 所" in reply.text and "2.劳动教育" in reply.text
    # the named checker checks every school of the campaign; the schools' own supervisor does not
    refused = await harness.one(D1, ZHOU, "#专项检查 办园行为 机关幼儿园 1符合 2符合")
    assert "由李明负责检查" in refused.text
    done = await harness.one(None, LIMING, "#专项检查 办园行为 坪坝幼儿园 1符合 2符合")  # another district's school
    assert "该校检查已全部登记完成" in done.text


async def test_results_item_by_item_over_two_messages_and_findings_of_the_campaign(harness) -> None:
    await harness.say(OFFICE_ROOM, LIU, DECLARE)
    first = await harness.say(CKZX, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生")
    text = first[0].text
    for part in ("1.作业总量控制：符合", "2.课后服务开展：不符合（课后服务未覆盖全部学生）",
                 "不符合项已登记为问题", "Q1 课后服务开展：课后服务未覆盖全部学生", "尚未登记：3.校外培训治理",
                 "第一责任区已完成 0/5 所"):
        assert part in text, text
    assert WANGF in first[0].out.mentions  # the principal is told where the school's people are
    second = await harness.one(CKZX, ZHOU, "#专项检查 双减 城口中学 3不适用", at="2024-03-12T10:00:00+08:00")
    assert "该校检查已全部登记完成" in second.text and "第一责任区已完成 1/5 所" in second.text
    assert "您负责的学校还未完成：县一中、实验小学" in second.text
    async with harness.app.db.reading() as s:
        finding = await s.scalar(select(m.Finding))
        campaign = await s.scalar(select(m.Campaign))
        created = await s.scalar(select(m.FindingEvent).where(m.FindingEvent.kind == "created"))
    assert (finding.source, finding.campaign_id, finding.category) == ("campaign", campaign.id, "课业负担")
    assert created.data["campaign"] == campaign.name and created.data["item"] == 2
    query = await harness.one(CKZX, ZHOU, "#查询 Q1", at="2024-03-12T10:05:00+08:00")
    assert "专项督导" in query.text
    # complete: nothing more changes
    again = await harness.one(CKZX, ZHOU, "#专项检查 双减 城口中学 2符合", at="2024-03-12T10:10:00+08:00")
    assert "已全部登记完成，不能再修改" in again.text
    assert await _count(harness, m.CampaignResult) == 3


async def test_a_later_result_replaces_the_earlier_one_and_its_finding(harness) -> None:
    await harness.say(OFFICE_ROOM, LIU, DECLARE)
    await harness.say(D1, ZHOU, "#专项检查 双减 县一中 2不符合 课后服务时长不足")
    reply = await harness.one(D1, ZHOU, "#专项检查 双减 县一中 课后服务开展 符合 作业总量控制不符合 作业偏多",
                              at="2024-03-11T10:00:00+08:00")
    assert "原登记的问题 Q1 已随结果更正撤销" in reply.text and "Q2 作业总量控制：作业偏多" in reply.text
    rest = await harness.one(D1, ZHOU, "#专项检查 双减 县一中 其余符合", at="2024-03-11T10:05:00+08:00")
    assert "3.校外培训治理：符合" in rest.text and "该校检查已全部登记完成" in rest.text
    async with harness.app.db.reading() as s:
        statuses = {n: st for n, st in (await s.execute(select(m.Finding.number, m.Finding.status))).all()}
        current = await s.scalar(select(func.count()).select_from(m.CampaignResult)
                                 .where(m.CampaignResult.superseded_at.is_(None)))
    assert statuses == {1: "withdrawn", 2: "open"} and current == 3


async def test_bad_input_is_answered_with_its_reason_and_nothing_is_written(harness) -> None:
    await harness.say(OFFICE_ROOM, LIU, DECLARE)
    await harness.say(OFFICE_ROOM, LIU, "#专项督导 开学 春季开学专项检查 3月25日-4月5日 范围 城口中学 检查项 校舍安全")
    before = await _written(harness)
    cases = [
        (D1, ZHOU, "#专项检查 体育 城口中学 1符合", "没有找到专项督导“体育”"),
        (D1, ZHOU, "#专项检查 双减 城口中学 1符合 5不符合 无", "没有检查项“5”"),
        (D1, ZHOU, "#专项检查 双减 城口中学 作业管理符合", "没有检查项“作业管理”"),
        (D1, ZHOU, "#专项检查 双减 城中学校 1符合", "没有找到学校"),
        (D1, ZHOU, "#专项检查 双减 城口中学 一切正常", "结果写“符合”“不符合”或“不适用”"),
        (D1, ZHOU, "#专项检查 双减 复兴中学 1不符合 无", "不在您的责任范围内"),
        (CKZX, WANGF, "#专项检查 双减 城口中学 1符合", "由责任督学或督导室办理"),
        (D1, ZHOU, "#专项检查 开学 县一中 1符合", "城口县第一中学不在春季开学专项检查的检查范围内"),
        (D1, ZHOU, "#专项检查 开学 城口中学 1不符合 墙体开裂", "将于3月25日开始"),
        (D1, ZHOU, "#专项督导 其他 周边环境专项 3月11日-3月20日 范围 全部 检查项 治安", "由督导室办理"),
        (OFFICE_ROOM, LIU, "#专项督导 其他 周边环境专项 范围 全部 检查项 治安", "请写明检查的起止日期"),
        (OFFICE_ROOM, LIU, "#专项督导 其他 周边环境专项 2月1日-2月20日 范围 全部 检查项 治安", "已经过去"),
        (OFFICE_ROOM, LIU, "#专项督导 其他 周边环境专项 3月11日-3月20日 范围 第九责任区 检查项 治安", "“第九责任区”不是"),
        (OFFICE_ROOM, LIU, "#专项督导 其他 周边环境专项 3月11日-3月20日 范围 全部", "请写明检查项"),
        (OFFICE_ROOM, LIU, "#专项督导 其他 周边环境专项 3月11日-3月20日 范围 全部 检查项 治安 检查人 张三",
         "检查人“张三”不在名册"),
    ]
    for n, (room, who, text, reason) in enumerate(cases):
        reply = await harness.one(room, who, text, at=f"2024-03-11T10:{n:02d}:00+08:00")
        assert reason in reply.text, (text, reply.text)
    late = await harness.one(D1, ZHOU, "#专项检查 双减 城口中学 1不符合 作业偏多", at="2024-04-01T10:00:00+08:00")
    assert "已于3月31日结束" in late.text
    assert await _written(harness) == before  # nothing half-written


async def test_progress_by_command_scoped_to_the_sender(harness) -> None:
    await harness.say(OFFICE_ROOM, LIU, DECLARE)
    await harness.say(D1, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生 3不适用")
    await harness.say(D1, LIMING, "#专项检查 双减 葛城小学 1不符合 作业量大", at="2024-03-11T09:10:00+08:00")
    office = await harness.one(OFFICE_ROOM, LIU, "#专项进度 双减", at="2024-03-11T09:20:00+08:00")
    for part in ("【专项督导进度】“双减”政策落实专项督导", "全部学校：已完成 1/16 所，不符合项 2 个",
                 "第一责任区：1/5，不符合2项", "城口中学：2.课后服务开展（Q1）", "葛城小学：1.作业总量控制（Q2）",
                 "葛城小学（已登记1项）"):
        assert part in office.text, office.text
    mine = await harness.one(D1, LIMING, "#专项进度", at="2024-03-11T09:21:00+08:00")  # the one campaign open
    assert "您可查看的学校：已完成 0/2 所" in mine.text and "城口中学" not in mine.text
    principal = await harness.say(CKZX, WANGF, "#专项进度 双减", at="2024-03-11T09:22:00+08:00")
    assert "已完成 1/1 所" in principal[0].text and "葛城小学" not in principal[0].text
