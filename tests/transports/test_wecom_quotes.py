"""Quotes and photos as people use WeCom: the real core behind the real WeCom transport, against the local WeCom
stand-in (body.quote as aibot-node-sdk's QuoteContent: text / image / mixed), over a real WebSocket and HTTP."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ledger import evidence
from bot.storage import models as m
from tests.support.harness import until_idle
from tests.support.photos import image_bytes
from tests.support.waiting import eventually
from tests.support.wecom_world import OTHER_ROOM, PRINCIPAL, ROOM, SUPERVISOR, World, wecom_world

FINDING = "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"


async def _finding(world: World) -> str:
    """Q1 logged in the room; the bot's notice, as a quote of it carries it."""
    world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
    await eventually(lambda: world.said(containing="已登记"))
    return world.said(containing="已登记")[0].content


async def _events(world: World) -> list[tuple[int, str, str]]:
    await until_idle(world.bot)
    async with world.bot.db.reading() as s:
        return [tuple(r) for r in await s.execute(select(m.FindingEvent.finding_id, m.FindingEvent.kind,
                                                         m.FindingEvent.raw_text).order_by(m.FindingEvent.id))]


async def _evidence(world: World) -> list[tuple[int | None, str]]:
    await until_idle(world.bot)
    async with world.bot.db.reading() as s:
        return [tuple(r) for r in await s.execute(select(m.Evidence.finding_id, m.Evidence.sha256)
                                                  .order_by(m.Evidence.id))]


async def test_quoting_the_finding_notice_with_already_rectified_reports_that_finding(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        notice = await _finding(world)
        world.standin.quoting(PRINCIPAL, "@督导助手 已整改，通道已清理", world.standin.quote_text(notice), chatid=ROOM)
        await eventually(lambda: world.said(containing="待验收"))
        assert [(f, k) for f, k, _ in await _events(world)] == [(1, "created"), (1, "rectified")]
        assert not world.said(containing="请写明问题编号")

        # the supervisor quotes the report's notice: 不通过 with its reason is #验收 of Q1
        report = world.said(containing="待验收")[0].content
        world.standin.quoting(SUPERVISOR, "@督导助手 不通过 仍有杂物", world.standin.quote_text(report), chatid=ROOM)
        await eventually(lambda: world.said(containing="仍有杂物"))
        assert [(f, k) for f, k, _ in await _events(world)][-1] == (1, "verify_failed")


async def test_a_quoted_photo_is_fetched_decrypted_and_filed_with_the_report(tmp_path: Path) -> None:
    """Two photos posted in the group (the bot never sees them); the principal quotes one with @督导助手 #整改 Q1:
    the quoted image is the report's evidence, byte for byte after decryption."""
    async with wecom_world(tmp_path) as world:
        await _finding(world)
        photo = image_bytes("jpg", seed=11)
        world.standin.quoting(PRINCIPAL, "@督导助手 #整改 Q1 已完成", world.standin.quote_image(photo), chatid=ROOM)
        await eventually(lambda: world.said(containing="待验收"))
        assert await _evidence(world) == [(1, hashlib.sha256(photo).hexdigest())]
        async with world.bot.db.reading() as s:
            (path,) = list(await s.scalars(select(m.Evidence.path)))
        stored = next(p for p in (tmp_path / "evidence").rglob("*") if p.is_file() and p.name in path)
        assert stored.read_bytes() == photo


async def test_a_quoted_mixed_message_gives_its_finding_and_its_images(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding(world)
        first, second = image_bytes("png", seed=21), image_bytes("png", seed=22)
        quote = world.standin.quote_mixed("Q1 的通道清理前后", first, second)
        world.standin.quoting(PRINCIPAL, "@督导助手 #整改 已清理完毕", quote, chatid=ROOM)
        await eventually(lambda: world.said(containing="待验收"))
        assert sorted(await _evidence(world)) == sorted(
            [(1, hashlib.sha256(first).hexdigest()), (1, hashlib.sha256(second).hexdigest())])


async def test_a_quote_naming_two_findings_is_answered_with_a_question(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding(world)
        world.standin.quoting(PRINCIPAL, "@督导助手 已整改 通道已清理", world.standin.quote_text("Q1 和 Q2 都要整改"),
                              chatid=ROOM)
        await eventually(lambda: world.said(containing="哪一个"))
        (question,) = world.said(containing="哪一个")
        assert "Q1、Q2" in question.shown and "#整改 Q1 通道已清理" in question.shown
        assert [k for _, k, _ in await _events(world)] == ["created"]


async def test_an_expired_quoted_photo_gets_a_request_to_send_it_again(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _finding(world)
        quote = world.standin.quote_image(image_bytes("png", seed=31))
        world.standin.http.expire(quote["image"]["url"])
        world.standin.quoting(PRINCIPAL, "@督导助手 #整改 Q1 已完成", quote, chatid=ROOM)
        await eventually(lambda: world.said(containing="重新发送照片"))
        assert world.said(containing="待验收")  # the report itself is made
        assert await _evidence(world) == []


async def test_a_photo_that_does_not_decrypt_gets_a_request_to_send_it_again(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        quote = world.standin.quote_image(image_bytes("png", seed=32))
        quote["image"]["aeskey"] = "A" * 43  # another key: bad padding
        world.standin.quoting(PRINCIPAL, "@督导助手 #整改 Q1 已完成", quote, chatid=ROOM)
        await eventually(lambda: world.said(containing="重新发送照片"))
        assert await _evidence(world) == []


async def test_a_failed_mixed_command_keeps_its_photo_for_the_next_report(tmp_path: Path) -> None:
    """图文混排 `#整改 Q11 …` (a typo for Q1): refused, and its photo waits; the corrected #整改 files it."""
    async with wecom_world(tmp_path) as world:
        await _finding(world)
        photo = image_bytes("png", seed=41)
        world.standin.mixed(PRINCIPAL, "@督导助手 #整改 Q11 已清理通道", photo, chatid=ROOM)
        await eventually(lambda: world.said(containing="Q11") and world.said(containing="先保存"))
        assert await _evidence(world) == [(None, hashlib.sha256(photo).hexdigest())]
        world.standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)
        await eventually(lambda: world.said(containing="待验收"))
        assert await _evidence(world) == [(1, hashlib.sha256(photo).hexdigest())]


async def test_quoting_a_notice_asks_for_more_time_and_queries_that_finding(tmp_path: Path) -> None:
    """`#申请延期 5天 原因` and `#查询` quoting the notice of Q1: Q1's (5天 is a span, not a finding)."""
    async with wecom_world(tmp_path) as world:
        world.standin.text("wxid_liujianguo", "@督导助手 #帮助", chatid="room-office@chatroom")  # the office's room
        notice = await _finding(world)
        world.standin.quoting(PRINCIPAL, "@督导助手 #申请延期 5天 需采购设备", world.standin.quote_text(notice),
                              chatid=ROOM)
        await eventually(lambda: world.said(containing="需采购设备"))
        assert [(f, k) for f, k, _ in await _events(world)] == [(1, "created"), (1, "extension_requested")]
        world.standin.quoting(SUPERVISOR, "@督导助手 #查询", world.standin.quote_text(notice), chatid=ROOM)
        await eventually(lambda: world.said(containing="记录："))
        assert not world.said(containing="请写明问题编号")


@pytest.mark.parametrize(("finder", "chatid"), [(SUPERVISOR, None), ("wxid_liujianguo", "room-office@chatroom")],
                         ids=["private", "group"])
async def test_a_failed_mixed_finding_keeps_its_photo_for_the_corrected_finding(tmp_path: Path, finder: str,
                                                                                 chatid: str | None) -> None:
    """图文混排 `#问题 城口中学X …` (no such school) with a photo, in a private chat or a group: refused, the photo
    waits; the finder's corrected `#问题` there takes it as its 问题照片 — the same bytes, on the finding's
    "created" event — and says so."""
    at = "@督导助手 " if chatid else ""
    async with wecom_world(tmp_path, evidence_burst_seconds=1) as world:  # the photos' acknowledgement: after 1 s
        world.standin.text("wxid_wangfang", "@督导助手 #帮助", chatid=OTHER_ROOM)  # 城口中学's room has spoken
        await eventually(lambda: world.said())
        photo = image_bytes("jpg", seed=51)
        world.standin.mixed(finder, f"{at}#问题 城口中学X 消防通道堆放杂物", photo, chatid=chatid)
        await eventually(lambda: world.said(containing="先保存"))
        assert world.said(containing="城口中学X") and "问题照片" in world.said(containing="先保存")[0].content
        assert await _evidence(world) == [(None, hashlib.sha256(photo).hexdigest())]
        assert await _events(world) == []

        world.standin.text(finder, f"{at}#问题 城口中学 消防通道堆放杂物", chatid=chatid)
        await eventually(lambda: world.said(containing="问题照片 1 张"))
        assert [(f, k) for f, k, _ in await _events(world)] == [(1, "created")]
        async with world.bot.db.reading() as s:
            (row,) = (await s.execute(select(m.Evidence.path, m.FindingEvent.kind, m.Evidence.finding_id)
                                      .join(m.FindingEvent, m.FindingEvent.id == m.Evidence.event_id))).all()
            problem, rectification = await evidence.counts(s, 1)
        assert (row.kind, row.finding_id, problem, rectification) == ("created", 1, 1, 0)
        assert Path(row.path).read_bytes() == photo


async def test_photos_sent_before_a_finding_are_not_its_problem_photos(tmp_path: Path) -> None:
    """Only a failed #问题's photos wait for the next #问题: a photo sent alone before it is not its 问题照片."""
    async with wecom_world(tmp_path) as world:
        world.standin.image(SUPERVISOR, image_bytes("png", seed=53))
        await until_idle(world.bot)
        world.standin.text(SUPERVISOR, "#问题 城口中学 消防通道堆放杂物")
        await eventually(lambda: world.said(containing="已登记"))
        assert [f for f, _ in await _evidence(world)] == [None]
        assert not world.said(containing="问题照片 1 张")
