"""专项督导 campaigns declared in the county file reach the chat: loaded into the database (a new one declared, one
already there updated by name, one no longer listed deactivated, a file without `campaigns:` leaving them alone),
recorded against with #专项检查 like a chat-declared one."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.cli.bootstrap import load_county
from bot.storage import models as m
from tests.support.county_files import CAMPAIGNS, with_campaigns
from tests.support.harness import Harness

D1, ZHOU, LIMING = "room-d1@chatroom", "wxid_zhouyonghong", "wxid_liming"


async def _campaigns(h: Harness) -> dict[str, tuple[bool, list[str]]]:
    async with h.app.db.reading() as s:
        rows = list(await s.scalars(select(m.Campaign)))
        items = list(await s.scalars(select(m.CampaignItem).order_by(m.CampaignItem.number)))
    return {c.name: (c.active, [i.title for i in items if i.campaign_id == c.id]) for c in rows}


async def test_campaigns_from_the_county_file(db_url: str, tmp_path: Path) -> None:
    h = await Harness.create(db_url, tmp_path, with_campaigns(tmp_path))
    try:
        assert await _campaigns(h) == {"“双减”政策落实专项督导": (True, ["作业总量控制", "课后服务开展", "校外培训治理"]),
                                       "幼儿园办园行为专项督导": (True, ["保教结合", "去小学化"])}
        reply = await h.one(D1, ZHOU, "#专项检查 双减 城口中学 1符合 2不符合 课后服务未覆盖全部学生 3不适用")
        assert "Q1 课后服务开展：课后服务未覆盖全部学生" in reply.text
        # the 2nd campaign names its checkers: 李明 checks 城口中学 too, 周永红 none of it
        assert "由李明、刘建国负责检查" in (await h.one(D1, ZHOU, "#专项检查 办园行为 城口中学 1符合")).text

        edited = CAMPAIGNS.split("  - name: 幼儿园办园行为专项督导")[0].replace("校外培训治理", "校外培训机构治理")
        await load_county(h.app.db, with_campaigns(tmp_path, edited), h.clock)
        assert await _campaigns(h) == {"“双减”政策落实专项督导": (True, ["作业总量控制", "课后服务开展", "校外培训机构治理"]),
                                       "幼儿园办园行为专项督导": (False, ["保教结合", "去小学化"])}
        await load_county(h.app.db, with_campaigns(tmp_path, ""), h.clock)  # no campaigns: left as they are
        assert (await _campaigns(h))["“双减”政策落实专项督导"][0] is True
        progress = await h.one(D1, LIMING, "#专项进度", at="2024-03-11T10:00:00+08:00")
        assert "“双减”政策落实专项督导" in progress.text and "3.校外培训机构治理" not in progress.text
    finally:
        await h.close()
