"""The gateway's clock, read from the Date header of its answer to a Ding.

A Wechaty gateway is a Node program (wechaty-puppet-service over gRPC/HTTP2), and Node's HTTP/2 stamps every
response with a `date` header, to the second. The gateway's clock is the clock its puppet stamps messages by, so
the difference to ours says whether "sent before the last handled message" can be trusted. A gateway that sends
no Date: None (the transport then allows CLOCK_SKEW_MINUTES either way).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from grpclib.const import Cardinality

from bot.clock import ClockReading, http_date

DING = "/wechaty.Puppet/Ding"


async def read_gateway_clock(channel: Any, now: Callable[[], datetime], timeout: float) -> ClockReading | None:
    """Ding the gateway on `channel` (a grpclib Channel) and read its Date header; None when it sends none or does
    not answer in `timeout` seconds."""
    import wechaty_grpc.wechaty.puppet as pb

    async def ding() -> str | None:
        async with channel.request(DING, Cardinality.UNARY_UNARY, pb.DingRequest, pb.DingResponse) as stream:
            await stream.send_message(pb.DingRequest(data="dudao-clock"), end=True)
            await stream.recv_initial_metadata()
            date = stream.initial_metadata.get("date")
            await stream.recv_message()
            return date if isinstance(date, str) else None

    if channel is None:
        return None
    before = now()
    try:
        date = await asyncio.wait_for(ding(), timeout)
    except Exception:  # noqa: BLE001 — no reading: the caller allows for any skew it is configured to
        return None
    after = now()
    gateway = http_date(date)
    if gateway is None:
        return None  # the Date is to the second: its middle is the best guess
    return ClockReading(gateway + timedelta(milliseconds=500), before + (after - before) / 2)
