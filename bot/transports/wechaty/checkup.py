"""What `dudao doctor` asks the gateway, step by step, without disturbing a bot that may be using it.

Reachable (TCP)? TLS on (it answers a TLS ClientHello)? Token accepted (Ding)? Logged in (the event stream's
LOGIN; when none comes at once, Start — never Stop — and wait for LOGIN or a SCAN with its QR link)? Which rooms
is the account in (RoomList, RoomPayload)? What is its clock (the Date header of a Ding's answer)? Each answer is a
field of `GatewayCheck`; the CLI words them.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError, StreamTerminatedError

from bot.clock import ClockReading, SystemClock
from bot.private_names import check as check_private_names
from bot.redaction import add_secret
from bot.transports.wechaty.gateway import Gateway, describe, probe, speaks_tls
from bot.transports.wechaty.gateway_clock import read_gateway_clock

if TYPE_CHECKING:
    from bot.settings import Settings

EVENT_SCAN, EVENT_LOGIN, EVENT_LOGOUT = 22, 25, 26


@dataclass
class GatewayCheck:
    endpoint: str
    reachable: bool = False
    tls: bool = False
    token_refused: bool = False
    error: str | None = None  # any other failure, in English
    busy: bool = False  # another client (the running bot, most likely) holds the event stream
    logged_in_as: str | None = None
    qrcode: str | None = None
    scan_status: int | None = None
    rooms: dict[str, str] = field(default_factory=dict)  # chat id -> topic, of the rooms the account is in
    rooms_known: bool = False
    clock: ClockReading | None = None  # the gateway's clock and ours, when it tells its time

    @property
    def works(self) -> bool:
        return self.reachable and not self.tls and not self.token_refused and not self.error and (
            self.busy or self.logged_in_as is not None)


async def check_gateway(settings: Settings, *, wait: float = 5.0, timeout: float = 3.0,
                        now: Callable[[], datetime] | None = None) -> GatewayCheck:
    gateway = Gateway.from_settings(settings)  # raises WechatyConfigError
    add_secret(gateway.token)
    check = GatewayCheck(gateway.endpoint)
    try:
        await probe(gateway, timeout)
    except (TimeoutError, OSError) as error:
        check.error = describe(error)
        return check
    check.reachable = True
    if await speaks_tls(gateway.host, gateway.port, timeout):
        check.tls = True
        return check
    import wechaty_grpc.wechaty as grpc_api

    channel = Channel(host=gateway.host, port=gateway.port)
    check_private_names("grpc-authority")  # grpclib's private name (python-wechaty sets it too): said if missing
    channel._authority = gateway.token  # as python-wechaty sends it: the gateway reads it as the token
    stub = grpc_api.PuppetStub(channel)
    try:
        await asyncio.wait_for(stub.ding(data="dudao-doctor"), timeout)
        check.clock = await read_gateway_clock(channel, now or SystemClock().now, timeout)
        await _login_state(stub, check, wait)
        if check.logged_in_as or check.busy:
            await _rooms(stub, check, timeout)
    except GRPCError as error:
        if error.status == Status.UNAUTHENTICATED:
            check.token_refused = True
        else:
            check.error = f"{error.status.name}: {error.message or ''}".strip()
    except StreamTerminatedError as error:
        check.error = describe(error)
    except (TimeoutError, OSError) as error:
        check.error = describe(error) or "no answer in time"
    finally:
        channel.close()
    return check


async def _login_state(stub, check: GatewayCheck, wait: float) -> None:
    seen = asyncio.Event()

    async def listen() -> None:
        try:
            async for event in stub.event():
                payload = json.loads(event.payload or "{}")
                if event.type == EVENT_LOGIN:
                    check.logged_in_as = payload.get("contactId")
                    seen.set()
                elif event.type == EVENT_SCAN:
                    check.qrcode, check.scan_status = payload.get("qrcode"), payload.get("status")
                    seen.set()
                elif event.type == EVENT_LOGOUT:
                    check.logged_in_as = None
        except GRPCError as error:
            if error.status == Status.ALREADY_EXISTS:
                check.busy = True
                seen.set()
            else:
                raise

    listener = asyncio.create_task(listen())
    try:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(seen.wait()), min(1.0, wait))
        if not seen.is_set() and not listener.done():
            await asyncio.wait_for(stub.start(), max(wait, 1.0))  # a puppet nobody started: start it (no Stop)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(seen.wait()), wait)
        if listener.done():
            listener.result()  # raises what broke the stream
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await listener


async def _rooms(stub, check: GatewayCheck, timeout: float) -> None:
    try:
        ids = (await asyncio.wait_for(stub.room_list(), timeout)).ids
    except GRPCError:
        return  # not logged in after all, or a puppet without rooms: the CLI says "unknown"
    for room_id in ids[:200]:
        try:
            check.rooms[room_id] = (await asyncio.wait_for(stub.room_payload(id=room_id), timeout)).topic
        except (TimeoutError, GRPCError):
            check.rooms[room_id] = ""
    check.rooms_known = True
