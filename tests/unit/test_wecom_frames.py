"""WeCom frames and media, without a network: callbacks read, media decrypted, mentions written, acks judged."""
from __future__ import annotations

import contextlib

import pytest

from bot.messages import Outbound
from bot.transports.contract import TransportError
from bot.transports.wecom import frames
from bot.transports.wecom.media import decrypt
from bot.transports.wecom.wecom_errors import check_ack
from bot.transports.wecom.wecom_send import markdown_text
from tests.support.photos import image_bytes
from tests.support.wecom_http import encrypt


def test_a_mixed_group_callback_gives_its_text_and_image() -> None:
    data = {"cmd": "aibot_msg_callback", "headers": {"req_id": "r1"}, "body": {
        "msgid": "m1", "aibotid": "b", "chatid": "c1", "chattype": "group", "from": {"userid": "u1"},
        "msgtype": "mixed", "mixed": {"msg_item": [
            {"msgtype": "text", "text": {"content": "@督导助手 #整改 Q3 已完成"}},
            {"msgtype": "image", "image": {"url": "https://x/1", "aeskey": "k"}}]}}}
    cb = frames.parse_callback(data)
    assert (cb.req_id, cb.msgid, cb.chatid, cb.userid, cb.text) == ("r1", "m1", "c1", "u1", "@督导助手 #整改 Q3 已完成")
    assert [(m.kind, m.url) for m in cb.media] == [("image", "https://x/1")]


def test_a_private_voice_message_is_its_transcript_and_has_no_chat_id() -> None:
    cb = frames.parse_callback({"headers": {"req_id": "r"}, "body": {
        "msgid": "m", "chattype": "single", "from": {"userid": "u"}, "msgtype": "voice",
        "voice": {"content": "#清单"}}})
    assert cb.chatid is None and cb.conversation == "u" and cb.text == "#清单"


def test_media_decrypt_round_trip_and_wrong_key() -> None:
    photo = image_bytes("png", seed=3)
    sealed, aeskey = encrypt(photo)
    assert len(aeskey) == 43 and decrypt(sealed, aeskey) == photo
    wrong = encrypt(photo)[1]
    # mostly bad padding; about 1 key in 256 pads validly by chance and must still not give the photo back
    with contextlib.suppress(ValueError):
        assert decrypt(sealed, wrong) != photo


def test_mentions_as_tags_or_names_and_never_in_private() -> None:
    out = Outbound(room="c", to=None, text="请整改", mentions=("u1", "u2"), mention_names=("刘洋",))
    assert markdown_text(out, "tag") == "<@u1> <@u2> 请整改"
    assert markdown_text(out, "name") == "@刘洋 @u2 请整改"
    assert markdown_text(Outbound(room=None, to="u1", text="你好", mentions=("u1",)), "tag") == "你好"


@pytest.mark.parametrize(("ack", "permanent"), [
    ({"errcode": 45009, "errmsg": "api freq out of limit"}, False),
    ({"errcode": 93006, "errmsg": "invalid chatid"}, True),
    ({"errcode": 12345, "errmsg": "Invalid chatid xyz"}, True),
    ({"errcode": -1, "errmsg": "system busy"}, False),
])
def test_acks_become_transport_errors(ack: dict, permanent: bool) -> None:
    check_ack({"errcode": 0}, "x")
    with pytest.raises(TransportError) as caught:
        check_ack(ack, "aibot_send_msg")
    assert caught.value.permanent is permanent


def test_the_secret_is_redacted_from_a_frame() -> None:
    assert frames.redacted(frames.subscribe("b", "S"))["body"] == {"bot_id": "b", "secret": "***"}


def test_a_malformed_callback_says_what_is_wrong_and_how_far_it_was_read() -> None:
    good = {"headers": {"req_id": "r"}, "body": {"msgid": "m", "chattype": "group", "chatid": "c",
                                                 "from": {"userid": "u"}, "msgtype": "text", "text": {"content": "x"}}}
    with pytest.raises(frames.Malformed) as caught:
        frames.parse_callback({**good, "body": {**good["body"], "text": "hi"}})
    assert caught.value.problem == "body.text is a string, not an object"
    assert caught.value.envelope == frames.Envelope("r", "m", "c", "u")  # its sender can be told
    with pytest.raises(frames.Malformed) as caught:
        frames.parse_callback({**good, "body": {**good["body"], "from": ["u"]}})
    assert caught.value.problem == "body.from is a list, not an object" and caught.value.envelope is None
    with pytest.raises(frames.Malformed) as caught:
        frames.parse_callback({**good, "body": {**good["body"], "msgtype": "mixed", "mixed": {"msg_item": ["x"]}}})
    assert caught.value.problem == "body.mixed.msg_item[0] is a string, not an object"
    unknown = frames.parse_callback({**good, "body": {**good["body"], "msgtype": "location", "location": 5}})
    assert (unknown.text, unknown.media) == ("", ())  # a kind the core does not take: not malformed


def test_the_event_type_of_any_event_frame() -> None:
    assert frames.event_type({"body": {"event": {"eventtype": "disconnected_event"}}}) == "disconnected_event"
    for frame in ("x", [], {"body": "disconnected_event"}, {"body": {"event": ["x"]}},
                  {"body": {"event": {"eventtype": 3}}}, {"body": {"eventtype": {"a": 1}}}):
        assert frames.event_type(frame) == ""


def _quoting(quote: object) -> dict:
    return {"cmd": "aibot_msg_callback", "headers": {"req_id": "r"}, "body": {
        "msgid": "m", "aibotid": "b", "chatid": "c", "chattype": "group", "from": {"userid": "u"},
        "msgtype": "text", "text": {"content": "@督导助手 已整改"}, "quote": quote}}


def test_a_quote_gives_its_text_and_its_images_but_not_its_files() -> None:
    cb = frames.parse_callback(_quoting({"msgtype": "mixed", "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": "已登记问题 Q3"}},
        {"msgtype": "image", "image": {"url": "https://x/1", "aeskey": "k"}}]}}))
    assert (cb.text, cb.quoted, [m.url for m in cb.quoted_media]) == ("@督导助手 已整改", "已登记问题 Q3", ["https://x/1"])
    file = frames.parse_callback(_quoting({"msgtype": "file", "file": {"url": "https://x/f", "aeskey": "k"}}))
    assert (file.quoted, file.quoted_media) == ("", ())
    data = _quoting(None)
    del data["body"]["quote"]
    assert (frames.parse_callback(data).quoted, frames.parse_callback(data).quoted_media) == (None, ())


@pytest.mark.parametrize(("quote", "problem"), [
    ("Q3", "body.quote is a string"),
    ({"text": {"content": "Q3"}}, "body.quote.msgtype is"),
    ({"msgtype": "text", "text": {"content": 3}}, "body.quote.text.content is"),
    ({"msgtype": "image", "image": {"aeskey": "k"}}, "body.quote.image.url is"),
    ({"msgtype": "mixed", "mixed": {"msg_item": "x"}}, "body.quote.mixed.msg_item is"),
])
def test_a_malformed_quote_is_malformed_with_its_sender_known(quote: object, problem: str) -> None:
    with pytest.raises(frames.Malformed) as caught:
        frames.parse_callback(_quoting(quote))
    assert caught.value.problem.startswith(problem) and caught.value.envelope is not None


def test_a_buttons_key_carries_its_command_in_the_characters_a_key_may_hold() -> None:
    key = frames.button_key("#验收 Q12 不通过")
    assert key.startswith("c_") and key.isascii() and frames.button_command(key) == "#验收 Q12 不通过"
    for foreign in ("verify_pass", "c_%%%", "c_" + "QQ", frames.button_key("not a command")):
        assert frames.button_command(foreign) is None


def test_a_card_keeps_wecoms_limits_and_its_update_greys_the_buttons() -> None:
    card = frames.button_card("t_1", "刘洋报告 Q12（城口县实验小学）已整改：通道已清理并张贴标识\n请周永红验收",
                              [("验收通过", "c_a"), ("不通过", "c_b")])
    assert card["card_type"] == "button_interaction" and len(card["main_title"]["title"]) <= 26
    assert [(b["text"], b["key"], b["style"]) for b in card["button_list"]] == [("验收通过", "c_a", 1), ("不通过", "c_b", 2)]
    assert card["sub_title_text"] == "请周永红验收"
    updated = frames.updated_card(card, "Q12（城口县实验小学）验收通过，已销号（周永红验收）。")
    assert updated["task_id"] == "t_1" and updated["replace_text"].startswith("Q12") and len(updated["replace_text"]) <= 26
    frame = frames.update_card("ev_1", updated, ["u1"])
    assert frame["cmd"] == "aibot_respond_update_msg" and frame["headers"] == {"req_id": "ev_1"}
    assert frame["body"]["response_type"] == "update_template_card" and frame["body"]["userids"] == ["u1"]
    assert "userids" not in frames.update_card("ev_1", updated, None)["body"]


def test_a_tap_is_read_in_wecoms_documented_form_and_the_sdks_flat_one() -> None:
    envelope = {"msgid": "e1", "chatid": "c", "chattype": "group", "from": {"userid": "u"}, "msgtype": "event"}
    nested = {"headers": {"req_id": "r"}, "body": {**envelope, "event": {
        "eventtype": "template_card_event", "template_card_event": {"event_key": "c_x", "task_id": "t_1"}}}}
    flat = {"headers": {"req_id": "r"}, "body": {**envelope, "event": {
        "eventtype": "template_card_event", "event_key": "c_x", "task_id": "t_1"}}}
    for data in (nested, flat):
        event = frames.parse_event(data)
        assert (event.eventtype, event.event_key, event.task_id, event.conversation) == (
            "template_card_event", "c_x", "t_1", "c")
