"""From the core's Outbound to MessageSendText / MessageSendFile calls on the gateway.

The mention prefix is the one Room.say builds ("@name" per mentioned contact, names from
ContactPayload), and the wire calls are the ones Room.say / Contact.say make. They are made on
the puppet directly because say() then fetches the sent message's payload: if that follow-up
failed, a message already delivered would be reported as failed and sent again on retry.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from bot.messages import Outbound
from bot.transports.contract import TransportError
from bot.transports.wechaty.compat import WechatyModules
from bot.transports.wechaty.inbound import AT_SEPARATOR

log = logging.getLogger("dudao.wechaty")

PERMANENT_STATUSES = {Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.PERMISSION_DENIED,
                      Status.UNIMPLEMENTED}


@dataclass(frozen=True)
class Part:
    """One wire message of an Outbound: its text, or one of its files."""

    text: str | None = None
    path: str | None = None


def parts_of(out: Outbound) -> list[Part]:
    parts = [Part(text=out.text)] if out.text.strip() else []
    return parts + [Part(path=str(path)) for path in out.files]


async def send_parts(bot: Any, modules: WechatyModules, out: Outbound, *, first: int,
                     pause: float, timeout: float, done: Callable[[int], None]) -> None:
    """Send parts[first:] in order, `pause` seconds apart; done(i) after each one went out."""
    conversation = out.room or out.to
    if not conversation:
        raise TransportError("outbound message has neither room nor recipient", permanent=True)
    for index, part in enumerate(parts_of(out)):
        if index < first:
            continue
        if index > first and pause > 0:
            await asyncio.sleep(pause)
        try:
            await asyncio.wait_for(_send_part(bot, modules, out, conversation, part), timeout)
        except TransportError:
            raise
        except Exception as error:
            raise as_transport_error(error, conversation) from error
        done(index)


async def _send_part(bot: Any, modules: WechatyModules, out: Outbound, conversation: str,
                     part: Part) -> None:
    puppet = bot.puppet
    if part.path is not None:
        if not os.path.isfile(part.path):
            raise TransportError(f"file to send is missing: {part.path}", permanent=True)
        box = modules.FileBox.from_file(part.path)
        await puppet.message_send_file(conversation_id=conversation, file=box)
        return
    text, mention_ids = part.text or "", None
    if out.room and out.mentions:
        mention_ids = list(out.mentions)
        prefix = await mention_prefix(bot, out.mentions, out.mention_names)
        text = f"{prefix}{AT_SEPARATOR}{text}"
    await puppet.message_send_text(conversation_id=conversation, message=text,
                                   mention_ids=mention_ids)


async def mention_prefix(bot: Any, ids: tuple[str, ...], names: tuple[str, ...]) -> str:
    """'@name' for each mentioned contact: their WeChat name, else the roster name, else the id."""
    labels = []
    for index, contact_id in enumerate(ids):
        fallback = names[index] if index < len(names) and names[index] else contact_id
        try:
            contact = bot.Contact.load(contact_id)
            await contact.ready()
            name = contact.name or fallback
        except Exception as error:
            log.debug("wechaty: no contact payload for %s (%r); using %s", contact_id, error, fallback)
            name = fallback
        labels.append(f"@{name}")
    return AT_SEPARATOR.join(labels)


def as_transport_error(error: BaseException, conversation: str) -> TransportError:
    """Gateway answers that retrying cannot fix are permanent; everything else is retried."""
    if isinstance(error, GRPCError):
        permanent = error.status in PERMANENT_STATUSES
        return TransportError(f"gateway refused message to {conversation}: {error.status.name} "
                              f"{error.message or ''}".strip(), permanent=permanent)
    if isinstance(error, asyncio.TimeoutError):
        return TransportError(f"gateway did not answer in time (to {conversation})")
    return TransportError(f"sending to {conversation} failed: {error!r}")
