"""From the core's Outbound to WeCom: which way each message goes, and how a mention is written.

- A message that @-mentions people in a room whose group robot we know (county file `webhook_key`), with
  WECOM_MENTIONS_VIA=webhook: the group robot's webhook, text with `mentioned_list` (a real @ that notifies).
- A reply to a message we still hold the callback req_id of (same conversation, within 24 h): aibot_respond_msg.
- The welcome on enter_chat (a private chat opened): aibot_respond_welcome_msg, plain text, within 5 s or never.
- Everything else (reminders, digests, notices to other rooms, private messages): aibot_send_msg, markdown.
- Files (#导出's workbook): uploaded over the socket, then aibot_send_msg with msgtype file.
- Buttons (a request to verify: 验收通过 / 不通过): after the text, a button_interaction template card — on the
  message's req_id when the text went by the webhook, else by aibot_send_msg; and privately to each person it
  @-mentions who has ever written to the bot privately (the core records them: Inlet.spoken_privately). A
  card's task_id is its outbox row's card id (bot.messages.card_id) with `-<random>` after it (WeCom takes a
  task_id once: a card sent again after a crash, or a private copy, needs its own), so a tap finds the message
  the card showed in the database (Inlet.card) — after a restart too. A tap
  (template_card_event) runs the button's command as the tapper's; its answer updates the card within 5 s
  (aibot_respond_update_msg; for the tapper alone when the answer is theirs alone), and a text that @-mentions
  people still goes as a message.
"""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable

import bot.transports.wecom.frames as frames
import bot.transports.wecom.media as media
from bot.messages import Outbound, card_id
from bot.text import markdown_literal
from bot.transports.contract import TransportError
from bot.transports.wecom.callbacks import Callbacks, Tapped
from bot.transports.wecom.socket_client import WecomSocket
from bot.transports.wecom.webhook import Webhooks, fits
from bot.transports.wecom.wecom_config import WecomConfig
from bot.transports.wecom.wecom_errors import as_transport_error, check_ack

log = logging.getLogger("dudao.wecom")
WebhookKey = Callable[[str], Awaitable[str | None]]
CardOf = Callable[[str], Awaitable[Outbound | None]]  # the message a card (by its base id) showed
SpokenPrivately = Callable[[list[str]], Awaitable[set[str]]]  # which people have a private chat with the bot


def markdown_text(out: Outbound, style: str) -> str:
    """The text as markdown that shows it as written (what users typed in it cannot make a heading, a link or an
    @-mention: bot.text.markdown_literal), with the people it names @-mentioned in front, as WeCom shows them —
    the only tags in it."""
    text = markdown_literal(out.text)
    if not out.room or not out.mentions:
        return text
    if style == "tag":
        labels = [f"<@{_tag_safe(userid)}>" for userid in out.mentions]
    else:
        names = list(out.mention_names) + [""] * len(out.mentions)
        labels = [markdown_literal(f"@{names[i] or userid}") for i, userid in enumerate(out.mentions)]
    return f"{' '.join(labels)} {text}"


def _tag_safe(userid: str) -> str:
    """A userid inside a `<@…>` tag: one the tag cannot end early or split (WeCom's userids are letters, digits and
    `_-.@`; anything else is dropped)."""
    return re.sub(r"[^0-9A-Za-z_.@\-]", "", userid)


def _task_id(out: Outbound) -> str:
    """A new card's task_id: the card id of its message (what a tap looks it up by) and a part of its own."""
    return f"{card_id(out.key)}-{uuid.uuid4().hex[:12]}"


def _card(out: Outbound, task_id: str) -> dict:
    """The card carrying the buttons of `out` (the same card each time it is made from the same message)."""
    return frames.button_card(task_id, out.text, [(b.label, frames.button_key(b.command)) for b in out.buttons])


class Sender:
    def __init__(self, config: WecomConfig, socket: WecomSocket, callbacks: Callbacks, webhook_key: WebhookKey,
                 webhooks: Webhooks, card_of: CardOf, spoken_privately: SpokenPrivately) -> None:
        self.config, self.socket, self.callbacks = config, socket, callbacks
        self._webhook_key, self.webhooks = webhook_key, webhooks
        self._card_of, self._spoken_privately = card_of, spoken_privately

    async def text(self, out: Outbound, conversation: str) -> str:
        """Deliver the text of `out`; says which way it went (webhook / respond / send / card …)."""
        tapped = self.callbacks.tapped(out.in_reply_to)
        if tapped is not None and await self._update_card(tapped, out):
            if out.room is None or not out.mentions:
                return "card"  # the card says it all; a message that @-mentions people still goes, below
        elif self.callbacks.is_tap(out.in_reply_to) and out.room is None:
            log.info("wecom: the answer to a tap by %s came too late to update the card; sent privately", out.to)
        key = await self._webhook_for(out)
        if key is not None:
            await self.webhooks.send_text(key, out.text, list(out.mentions), conversation)
            return "webhook"
        if self.callbacks.is_welcome(out.in_reply_to):
            return await self._welcome(out, conversation)
        content = markdown_text(out, self.config.mention_style)
        rid = self.callbacks.reply_to(out.in_reply_to, conversation)
        if rid is not None:
            try:
                await self._request(frames.respond(rid, content), frames.RESPOND)
                self.callbacks.answered(rid)
                return "respond"
            except TransportError as error:
                if not error.permanent:
                    raise
                self.callbacks.answered(rid)  # WeCom no longer takes this req_id: speak on our own instead
                log.info("wecom: reply to %s refused (%s); sending it as a message", out.in_reply_to, error)
        chat_type = frames.CHAT_GROUP if out.room else frames.CHAT_SINGLE
        await self._request(frames.send(conversation, chat_type, frames.markdown(content)), frames.SEND)
        return "send"

    async def card(self, out: Outbound, conversation: str) -> str:
        """The buttons of `out` on a button_interaction card after its text: answering the message still (when its
        text went by the webhook), else as a message of our own to the same conversation. In a room, each person
        it @-mentions who has written to the bot privately also gets the card there (best effort)."""
        way = await self._card_to(out, conversation, _card(out, _task_id(out)))
        mentioned = list(out.mentions) if out.room else []
        try:
            private = await self._spoken_privately(mentioned) if mentioned else set()
        except Exception as error:  # noqa: BLE001 — the private copies are a courtesy: the room has the card
            log.warning("wecom: who has a private chat could not be read (%s: %s); the buttons of %s go to the "
                        "room only", type(error).__name__, error, out.key)
            private = set()
        for userid in mentioned:
            if userid in private:
                try:
                    await self._request(frames.send(userid, frames.CHAT_SINGLE, frames.template_card(
                        _card(out, _task_id(out)))), frames.SEND)
                except TransportError as error:
                    log.warning("wecom: the buttons of %s not sent privately to %s: %s", out.key, userid, error)
        return way

    async def _card_to(self, out: Outbound, conversation: str, card: dict) -> str:
        rid = self.callbacks.reply_to(out.in_reply_to, conversation)
        if rid is not None:
            try:
                await self._request(frames.frame(frames.RESPOND, frames.template_card(card), rid=rid), frames.RESPOND)
                self.callbacks.answered(rid)
                return "respond"
            except TransportError as error:
                if not error.permanent:
                    raise
                self.callbacks.answered(rid)
        chat_type = frames.CHAT_GROUP if out.room else frames.CHAT_SINGLE
        await self._request(frames.send(conversation, chat_type, frames.template_card(card)), frames.SEND)
        return "send"

    async def _update_card(self, tapped: Tapped, out: Outbound) -> bool:
        """Answer a tap by updating its card within WeCom's 5 s: for everyone, or — an answer to the tapper alone
        (a refusal, a second tap) — for the tapper only. The card is rebuilt from the message it showed (its
        outbox row, Inlet.card), as it was sent. False when WeCom would not take it."""
        card = await self._tapped_card(tapped.task_id, out.text)
        userids = [tapped.clicker] if out.room is None else None
        try:
            await self._request(frames.update_card(tapped.req_id, frames.updated_card(card, out.text), userids),
                                frames.RESPOND_UPDATE)
        except TransportError as error:
            if not error.permanent:
                raise
            log.info("wecom: card %s not updated (%s); answering by message", tapped.task_id, error)
            return False
        finally:
            self.callbacks.answered(tapped.req_id)
        return True

    async def _tapped_card(self, task_id: str, outcome: str) -> dict:
        """The card `task_id` as it was sent; one we no longer know (its row pruned, the database away) is
        rebuilt with the outcome's first line as its title (WeCom wants one) and no buttons."""
        try:
            shown = await self._card_of(task_id.split("-", 1)[0])
        except Exception as error:  # noqa: BLE001 — the tap was handled; the card is still updated, plainer
            log.warning("wecom: card %s could not be read (%s: %s)", task_id, type(error).__name__, error)
            shown = None
        if shown is not None and shown.buttons:
            return _card(shown, task_id)
        log.info("wecom: card %s is not known; updating it with the outcome as its title", task_id)
        return frames.button_card(task_id, outcome, [])

    async def _welcome(self, out: Outbound, conversation: str) -> str:
        """The welcome on enter_chat: aibot_respond_welcome_msg (plain text) within WeCom's 5 s, or not at all —
        a welcome that comes late is no message worth a dead letter."""
        rid = self.callbacks.reply_to(out.in_reply_to, conversation)
        if rid is None:
            log.info("wecom: the welcome to %s is too late for WeCom's 5 s; not sent", conversation)
            return "dropped"
        try:
            await self._request(frames.welcome(rid, out.text), frames.RESPOND_WELCOME)
        except TransportError as error:
            if not error.permanent:
                raise
            log.info("wecom: the welcome to %s was refused (%s); not sent", conversation, error)
            return "dropped"
        finally:
            self.callbacks.answered(rid)
        return "welcome"

    async def file(self, path: str, conversation: str, group: bool) -> None:
        media_id = await media.upload(self.socket, path, self.config.timing.send_timeout)
        body = {"msgtype": "file", "file": {"media_id": media_id}}
        chat_type = frames.CHAT_GROUP if group else frames.CHAT_SINGLE
        await self._request(frames.send(conversation, chat_type, body), frames.SEND)

    async def _webhook_for(self, out: Outbound) -> str | None:
        if self.config.mentions_via != "webhook" or not out.room or not out.mentions or not fits(out.text):
            return None
        return await self._webhook_key(out.room)

    async def _request(self, data: dict, what: str) -> None:
        try:
            ack = await self.socket.request(data, self.config.timing.send_timeout, what=what)
        except (ConnectionError, TimeoutError) as error:
            raise as_transport_error(error, what) from error
        check_ack(ack, what)
