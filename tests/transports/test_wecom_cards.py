"""One tap: the request to verify carries a button_interaction card (验收通过 / 不通过); a tap is the tapper's own
#验收, answered by updating the card within WeCom's 5 s — for everyone, or for the tapper alone when refused. The
real core behind the real WeCom transport, against the stand-in (template_card in aibot_respond_msg /
aibot_send_msg, aibot_event_callback with template_card_event, aibot_respond_update_msg)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from bot.storage import models as m
from tests.support.harness import until_idle
from tests.support.waiting import eventually
from tests.support.wecom_world import PRINCIPAL, ROOM, SUPERVISOR, World, wecom_world

FINDING = "@督导助手 #问题 实验小学 安全稳定 消防通道堆放杂物 限期3天"


async def _reported(world: World) -> None:
    world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
    await eventually(lambda: world.said(containing="已登记"))
    world.standin.text(PRINCIPAL, "@督导助手 #整改 Q1 已清理通道", chatid=ROOM)
    await eventually(lambda: world.said("card"))


async def _events(world: World) -> list[tuple[str, str]]:
    await until_idle(world.bot)
    async with world.bot.db.reading() as s:
        return [tuple(r) for r in await s.execute(select(m.FindingEvent.kind, m.FindingEvent.raw_text)
                                                  .order_by(m.FindingEvent.id))]


async def test_the_request_to_verify_carries_buttons_and_a_tap_verifies(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        (card,) = world.said("card")
        assert card.conversation == ROOM and card.card is not None
        assert [b["text"] for b in card.card["button_list"]] == ["验收通过", "不通过"]
        assert "Q1" in card.content
        (request,) = world.said(containing="待验收")  # the text still goes, @-mentioning the verifier
        assert request.tags == [SUPERVISOR]

        # the principal may not verify: nothing changes; the card changes for her alone
        refused = world.standin.tap(PRINCIPAL, card, "验收通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == refused for s in world.said("update")))
        (answer,) = [s for s in world.said("update") if s.req_id == refused]
        assert answer.userids == (PRINCIPAL,)
        assert [k for k, _ in await _events(world)] == ["created", "rectified"]

        tapped = world.standin.tap(SUPERVISOR, card, "验收通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        (update,) = [s for s in world.said("update") if s.req_id == tapped]
        assert update.userids == () and "验收通过" in update.content
        assert "周永红验收" in (update.card or {})["sub_title_text"]  # who acted
        took = update.at - world.standin.callbacks_sent[tapped][1]
        print(f"\ntap event frame -> card update frame: {took * 1000:.0f} ms")
        assert took < 5
        assert await _events(world) == [("created", FINDING), ("rectified", "@督导助手 #整改 Q1 已清理通道"),
                                        ("verify_passed", "#验收 Q1 通过 [卡片按钮]")]
        await eventually(lambda: world.said("send", containing="已销号"))  # the principal is told, @-mentioned
        assert world.said("send", containing="已销号")[0].tags == [PRINCIPAL]

        # a second tap changes nothing and is answered to the tapper alone
        again = world.standin.tap(SUPERVISOR, card, "不通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == again for s in world.said("update")))
        assert [s.userids for s in world.said("update") if s.req_id == again] == [(SUPERVISOR,)]
        assert len(await _events(world)) == 3


async def test_not_passed_by_tap_waits_for_the_reason_in_the_tappers_next_message(tmp_path: Path) -> None:
    """不通过 tapped: the card asks the tapper (alone) for the reason and nothing changes yet; the tapper's next
    @-message is the reason, and the outcome goes as a new message."""
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        tapped = world.standin.tap(SUPERVISOR, world.said("card")[0], "不通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        (update,) = [s for s in world.said("update") if s.req_id == tapped]
        assert update.userids == (SUPERVISOR,) and "原因" in (update.card or {}).get("sub_title_text", "")
        assert [k for k, _ in await _events(world)] == ["created", "rectified"]

        world.standin.text(PRINCIPAL, "@督导助手 #帮助", chatid=ROOM)  # someone else's message is no reason
        world.standin.text(SUPERVISOR, "@督导助手 仍有杂物未清理", chatid=ROOM)
        await eventually(lambda: world.said(containing="仍有杂物未清理"))
        assert (await _events(world))[-1] == ("verify_failed", "#验收 Q1 不通过 仍有杂物未清理")


async def test_a_reason_awaited_is_cancelled_by_cancel(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        tapped = world.standin.tap(SUPERVISOR, world.said("card")[0], "不通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        world.standin.text(SUPERVISOR, "@督导助手 取消", chatid=ROOM)
        await eventually(lambda: world.said(containing="已取消"))
        world.standin.text(SUPERVISOR, "@督导助手 仍有杂物未清理", chatid=ROOM)  # no longer a reason
        await eventually(lambda: len(world.said("respond")) >= 4)
        assert [k for k, _ in await _events(world)] == ["created", "rectified"]


async def test_a_tap_with_a_key_we_did_not_make_is_answered_to_the_tapper_alone(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        card = world.said("card")[0]
        assert card.card is not None
        tapped = world.standin.tap_key(SUPERVISOR, card.card["task_id"], "c_%%%not-ours", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        assert [s.userids for s in world.said("update") if s.req_id == tapped] == [(SUPERVISOR,)]
        assert [k for k, _ in await _events(world)] == ["created", "rectified"]


OFFICE_ROOM, OFFICE = "room-office@chatroom", "wxid_liujianguo"


async def test_the_offices_notice_of_a_request_for_more_time_carries_grant_and_refuse(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        world.standin.text(OFFICE, "@督导助手 #帮助", chatid=OFFICE_ROOM)  # the office room has spoken to the bot
        world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        world.standin.text(PRINCIPAL, "@督导助手 #申请延期 Q1 5天 需采购设备", chatid=ROOM)
        await eventually(lambda: [c for c in world.said("card") if c.conversation == OFFICE_ROOM])
        (card,) = world.said("card")
        assert card.card is not None and [b["text"] for b in card.card["button_list"]] == ["同意", "驳回"]

        granted = world.standin.tap(OFFICE, card, "同意", chatid=OFFICE_ROOM)
        await eventually(lambda: any(s.req_id == granted for s in world.said("update")))
        assert [k for k, _ in await _events(world)] == ["created", "extension_requested", "extended"]
        (update,) = [s for s in world.said("update") if s.req_id == granted]
        assert update.card is not None and update.userids == ()
        assert update.card["sub_title_text"].startswith("Q1（城口县实验小学）整改期限已延期（督导室刘建国同意）")  # who acted

        again = world.standin.tap("wxid_tanxiaoyan", card, "同意", chatid=OFFICE_ROOM)  # the other one, too late
        await eventually(lambda: any(s.req_id == again for s in world.said("update")))
        assert [s.userids for s in world.said("update") if s.req_id == again] == [("wxid_tanxiaoyan",)]
        assert len(await _events(world)) == 3


async def test_a_verifier_who_has_spoken_privately_also_gets_the_card_there(tmp_path: Path) -> None:
    async with wecom_world(tmp_path) as world:
        world.standin.text(SUPERVISOR, "#帮助")  # the supervisor has a private chat with the bot
        await eventually(lambda: world.said())
        await _reported(world)
        await eventually(lambda: len(world.said("card")) == 2)
        room, private = world.said("card")
        assert (room.conversation, private.conversation) == (ROOM, SUPERVISOR)
        assert private.card is not None and room.card is not None and private.card["task_id"] != room.card["task_id"]
        tapped = world.standin.tap(SUPERVISOR, private, "验收通过")
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        assert [k for k, _ in await _events(world)] == ["created", "rectified", "verify_passed"]
        late = world.standin.tap(SUPERVISOR, room, "验收通过", chatid=ROOM)  # the room's card, after: refused alone
        await eventually(lambda: any(s.req_id == late for s in world.said("update")))
        assert [s.userids for s in world.said("update") if s.req_id == late] == [(SUPERVISOR,)]


async def test_a_tap_after_a_restart_updates_the_card_with_its_title_and_the_outcome(tmp_path: Path) -> None:
    """Nothing about a card lives only in memory: the card sent before a restart is known by its task_id to the new
    bot (its outbox row), and a tap on it updates it as it was — its full title, its buttons greyed out under the
    outcome — and the verifier's private chat survives the restart too (a new request's card goes there)."""
    async with wecom_world(tmp_path) as world:
        world.standin.text(SUPERVISOR, "#帮助")  # the supervisor has a private chat with the bot
        await eventually(lambda: world.said())
        await _reported(world)
        await eventually(lambda: len(world.said("card")) == 2)
        room, _ = world.said("card")
        assert room.card is not None and room.conversation == ROOM

        await world.restart()  # a new App, outbox and transport on the same database
        tapped = world.standin.tap(SUPERVISOR, room, "验收通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        (changed,) = [s for s in world.said("update") if s.req_id == tapped]
        took = changed.at - world.standin.callbacks_sent[tapped][1]
        print(f"\nafter a restart, tap event frame -> card update frame (the card read back): {took * 1000:.0f} ms")
        assert took < 5
        assert changed.card is not None and changed.userids == ()
        assert changed.card["main_title"] == room.card["main_title"] and changed.card["main_title"]["title"]
        assert changed.card["task_id"] == room.card["task_id"]
        assert changed.card["button_list"] == room.card["button_list"]
        assert changed.card["sub_title_text"].startswith("Q1（城口县实验小学）验收通过")
        assert "周永红验收" in changed.card["sub_title_text"] and changed.card["replace_text"]
        assert [k for k, _ in await _events(world)] == ["created", "rectified", "verify_passed"]

        # the private chat is known after the restart: the next request to verify reaches it there too
        world.standin.text(SUPERVISOR, FINDING.replace("消防通道堆放杂物", "楼梯扶手松动"), chatid=ROOM)
        await eventually(lambda: world.said(containing="Q2"))
        world.standin.text(PRINCIPAL, "@督导助手 #整改 Q2 已加固扶手", chatid=ROOM)
        await eventually(lambda: len(world.said("card")) == 4)
        assert [c.conversation for c in world.said("card")][2:] == [ROOM, SUPERVISOR]


async def test_a_tap_on_a_card_whose_message_is_unknown_still_updates_it_with_a_title(tmp_path: Path) -> None:
    """A card the database no longer knows (its row gone): the update still has a title (the outcome's first line),
    which WeCom requires; the tap itself is handled as ever."""
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        (card,) = world.said("card")
        async with world.bot.db.transaction() as s:
            await s.execute(update(m.OutboxMessage).values(card=None))
        tapped = world.standin.tap(SUPERVISOR, card, "验收通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        (updated,) = [s for s in world.said("update") if s.req_id == tapped]
        assert updated.card is not None and updated.card["main_title"]["title"].startswith("Q1（城口县实验小学）验收通过")
        assert [k for k, _ in await _events(world)] == ["created", "rectified", "verify_passed"]


async def test_refuse_tapped_names_who_refused_once_the_reason_comes(tmp_path: Path) -> None:
    """驳回 tapped: the tapper is asked for the reason; their next message gives it, and the refusal names them."""
    async with wecom_world(tmp_path) as world:
        world.standin.text(OFFICE, "@督导助手 #帮助", chatid=OFFICE_ROOM)
        world.standin.text(SUPERVISOR, FINDING, chatid=ROOM)
        await eventually(lambda: world.said(containing="已登记"))
        world.standin.text(PRINCIPAL, "@督导助手 #申请延期 Q1 5天 需采购设备", chatid=ROOM)
        await eventually(lambda: world.said("card"))
        refused = world.standin.tap(OFFICE, world.said("card")[0], "驳回", chatid=OFFICE_ROOM)
        await eventually(lambda: any(s.req_id == refused for s in world.said("update")))
        world.standin.text(OFFICE, "@督导助手 三天足够完成", chatid=OFFICE_ROOM)
        await eventually(lambda: world.said(containing="三天足够完成"))
        assert any("未获同意（督导室刘建国驳回）" in s.content for s in world.said(containing="三天足够完成"))
        assert [k for k, _ in await _events(world)] == ["created", "extension_requested", "extension_refused"]


async def test_a_card_sent_again_after_a_crash_gets_its_own_task_id(tmp_path: Path) -> None:
    """A crash after the card went out but before its row was marked sent: at the start the row goes out again
    (the outbox's recovery). WeCom takes a task_id once, so the second card has its own — and a tap on either
    finds the message and updates the card with its title."""
    async with wecom_world(tmp_path) as world:
        await _reported(world)
        (first,) = world.said("card")
        await until_idle(world.bot)
        await world.bot.settle()  # what went out is marked sent; then the crash's trace: the card's row 'sending'
        async with world.bot.db.transaction() as s:
            await s.execute(update(m.OutboxMessage).where(m.OutboxMessage.card.is_not(None)).values(status="sending"))
        await world.restart()  # as after a crash: the 'sending' row goes out again
        await eventually(lambda: len(world.said("card")) == 2)
        second = world.said("card")[1]
        assert first.card is not None and second.card is not None
        assert second.card["task_id"] != first.card["task_id"]
        assert second.card["task_id"].split("-")[0] == first.card["task_id"].split("-")[0]
        tapped = world.standin.tap(SUPERVISOR, first, "验收通过", chatid=ROOM)
        await eventually(lambda: any(s.req_id == tapped for s in world.said("update")))
        (changed,) = [s for s in world.said("update") if s.req_id == tapped]
        assert changed.card is not None and changed.card["main_title"] == first.card["main_title"]
        assert [k for k, _ in await _events(world)] == ["created", "rectified", "verify_passed"]
