"""From the core's Outbound to WeCom: which way each message goes, and how a mention is written.

- A message that @-mentions people in a room whose group robot we know (county file `webhook_key`), with
  WECOM_MENTIONS_VIA=webhook: the group robot's webhook, text with `mentioned_list` (a real @ that notifies).
- A reply to a message we still hold the callback req_id of (same conversation, within 24 h): aibot_respond_msg.
- The welcome on enter_chat (a private chat opened): aibot_respond_welcome_msg, plain text, within 5 s or never.
- Everything else (reminders, digests, notices to other rooms, private messages): aibot_send_msg, markdown.
- Files (#导出's workbook): uploaded over the socket, then aibot_send_msg with msgtype file.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import bot.transports.wecom.frames as frames
import bot.transports.wecom.media as media
from bot.messages import Outbound
from bot.text import markdown_literal
from bot.transports.contract import TransportError
from bot.transports.wecom.callbacks import Callbacks
from bot.transports.wecom.socket_client import WecomSocket
from bot.transports.wecom.webhook import Webhooks, fits
from bot.transports.wecom.wecom_config import WecomConfig
from bot.transports.wecom.wecom_errors import as_transport_error, check_ack

log = logging.getLogger("dudao.wecom")
WebhookKey = Callable[[str], Awaitable[str | None]]


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


class Sender:
    def __init__(self, config: WecomConfig, socket: WecomSocket, callbacks: Callbacks, webhook_key: WebhookKey,
                 webhooks: Webhooks) -> None:
        self.config, self.socket, self.callbacks = config, socket, callbacks
        self._webhook_key, self.webhooks = webhook_key, webhooks

    async def text(self, out: Outbound, conversation: str) -> str:
        """Deliver the text of `out`; says which way it went (webhook / respond / send)."""
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
