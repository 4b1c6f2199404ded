"""#链接 and the links sent unasked, through the real app (issue #25 item 2): a personal link to a finding's phone
page goes only into a private chat, to the person it is for; a group hears only how to ask for one; a new link
revokes the older one; without WEB_PUBLIC_URL nothing changes (no hint, no link, no table row)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.ledger import finding_links
from bot.settings import Settings
from bot.storage import models as m
from tests.support import harness as harness_module
from tests.support.harness import Harness

SYXX = "room-syxx@chatroom"  # 实验小学督导联络群
ZHOU, LIUYANG, CHEN = "wxid_zhouyonghong", "wxid_liuyang", "wxid_chenjing"  # 督学 of 实验小学, its 校长, another 督学
PUBLIC = "https://dudao.example.gov.cn"
LINK = re.compile(re.escape(PUBLIC) + r"/l/([A-Za-z0-9_-]+)")
HINT = "私聊我发送“#链接 Q1”获取上传链接"


@pytest.fixture
async def linked(county_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The app on the demo county (as the `harness` fixture), configured with WEB_PUBLIC_URL."""
    monkeypatch.setattr(harness_module, "Settings", functools.partial(Settings, web_public_url=PUBLIC))
    h = await Harness.create(county_db_url, tmp_path, None)
    yield h
    await h.close()


async def _links(h: Harness) -> list[m.FindingLink]:
    async with h.app.db.reading() as s:
        return list(await s.scalars(select(m.FindingLink).order_by(m.FindingLink.id)))


async def test_links_go_only_into_private_chats_and_groups_hear_how_to_ask(linked: Harness) -> None:
    h = linked
    created = await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物 限期3天")
    in_group = [s for s in created if s.out.room == SYXX]
    private = [s for s in created if s.out.room is None]
    assert in_group and all(HINT in s.text and not LINK.search(s.text) for s in in_group)
    # unasked: the principal, who must act next, gets his link privately (the finder does not: he may ask)
    assert [s.out.to for s in private] == [LIUYANG]
    assert LINK.search(private[0].text) and "整改照片" in private[0].text

    asked_in_group = await h.say(SYXX, LIUYANG, "#链接 Q1")
    assert [s.text for s in asked_in_group] == ["个人链接只在私聊中发送。请私聊我发送“#链接 Q1”获取。"]
    assert len(await _links(h)) == 1  # nothing issued for a group

    asked = await h.say(None, LIUYANG, "#链接 Q1")
    assert len(asked) == 1 and asked[0].out.to == LIUYANG and asked[0].out.room is None
    token = LINK.search(asked[0].text).group(1)
    rows = await _links(h)
    assert len(rows) == 2 and rows[0].revoked_at is not None and rows[1].revoked_at is None  # the new one revokes
    assert rows[1].token_hash == finding_links.token_hash(token) and token not in rows[1].token_hash
    async with h.app.db.reading() as s:
        held = await finding_links.find(s, token, h.clock.now())
    assert held.problem is None and held.finding is not None and held.finding.number == 1

    # the rectification's verifiers get theirs unasked; the group's notice says how to ask
    reported = await h.say(SYXX, LIUYANG, "#整改 Q1 已清理通道")
    assert any(HINT in s.text for s in reported if s.out.room == SYXX)
    assert [s.out.to for s in reported if s.out.room is None and LINK.search(s.text)] == [ZHOU]
    assert "验收" in next(s.text for s in reported if s.out.to == ZHOU)


async def test_a_link_is_for_who_may_see_the_finding_and_not_once_it_is_closed(linked: Harness) -> None:
    h = linked
    await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物 限期3天")
    refused = await h.say(None, CHEN, "#链接 Q1")  # a supervisor of other schools
    assert len(refused) == 1 and not LINK.search(refused[0].text)
    await h.say(SYXX, ZHOU, "#撤销 Q1 录入有误")
    finished = await h.say(None, ZHOU, "#链接 Q1")
    assert [s.text for s in finished] == ["Q1 已撤销，不再需要办理，没有生成链接。"]


async def test_without_a_public_url_nothing_changes(harness) -> None:
    h = harness
    created = await h.say(SYXX, ZHOU, "#问题 实验小学 消防通道堆放杂物 限期3天")
    assert all("#链接" not in s.text and "/l/" not in s.text for s in created)
    assert [s.out.room for s in created] == [SYXX]
    asked = await h.say(None, LIUYANG, "#链接 Q1")
    assert [s.text for s in asked] == ["本县尚未开通手机网页办理，请直接在聊天中发送整改情况和照片。"]
    async with h.app.db.reading() as s:
        assert await s.scalar(select(func.count()).select_from(m.FindingLink)) == 0


async def test_the_help_overview_names_links_where_there_are_links(linked: Harness) -> None:
    shown = (await linked.one(None, LIUYANG, "#帮助")).text
    assert "#链接 Q12" in shown and "#整改" in shown


async def test_the_help_overview_does_not_name_links_without_a_public_url(harness) -> None:
    shown = (await harness.one(None, LIUYANG, "#帮助")).text
    assert "#链接" not in shown and "#整改" in shown
