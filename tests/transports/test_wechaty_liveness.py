"""The event stream is proven alive end to end (Ding → DONG on the stream): every way a gateway can go away is
noticed, logged at WARNING with the reason, and recovered from on a fresh connection within 15 s (real time,
with short timings), and a message sent after the recovery is handled."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import pytest

from bot.transports.wechaty import WechatyTransport
from tests.support.waiting import eventually
from tests.support.wechaty_standin import PuppetStandIn
from tests.transports.test_wechaty_transport import FAST, RecordingApp, wechaty_settings

A = "wxid_a"
RECOVERED_WITHIN = 15.0


@pytest.fixture
async def standin():
    s = PuppetStandIn()
    s.add_contact(A, "甲")
    await s.start()
    yield s
    await s.stop()


@pytest.fixture
async def bot(standin: PuppetStandIn):
    app = RecordingApp()
    transport = WechatyTransport(wechaty_settings(standin.endpoint), timing=FAST)
    task = asyncio.create_task(transport.run(app))
    await eventually(lambda: transport.connected and standin.subscribers == 1)
    yield transport, app
    await transport.stop()
    await asyncio.wait_for(task, 3)


async def _recovers(standin: PuppetStandIn, app: RecordingApp, fault: Callable[[], Awaitable[None]]) -> float:
    """Inflict `fault`; once a new event stream is open, send a message; seconds until it is handled."""
    started = time.monotonic()
    await fault()
    await eventually(lambda: standin.running and standin.subscribers == 1, timeout=RECOVERED_WITHIN)
    standin.text(A, "after the fault")
    await eventually(lambda: [m.text for m in app.inbound] == ["after the fault"], timeout=RECOVERED_WITHIN)
    elapsed = time.monotonic() - started
    assert elapsed < RECOVERED_WITHIN
    return elapsed


def _warned(caplog: pytest.LogCaptureFixture, reason: str) -> bool:
    return any(r.levelno == logging.WARNING and reason in r.getMessage() and "reconnecting" in r.getMessage()
               for r in caplog.records if r.name == "dudao.wechaty")


async def test_a_graceful_stop_and_restart(standin, bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")

    async def fault() -> None:
        await standin.stop_gracefully()
        await asyncio.sleep(0.3)  # the gateway stays away a while: time passing is the fault
        await standin.start()

    await _recovers(standin, bot[1], fault)
    assert _warned(caplog, "event stream from")


async def test_a_server_closed_with_its_connections_left_open(standin, bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")

    async def fault() -> None:
        await standin.close_server()  # the zombie still answers Ding: only the missing DONG tells
        await standin.start()

    await _recovers(standin, bot[1], fault)
    assert _warned(caplog, "no DONG or other event on the event stream")


async def test_half_open_tcp(standin, bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")

    async def fault() -> None:
        standin.blackhole()

    await _recovers(standin, bot[1], fault)
    assert _warned(caplog, "no DONG or other event on the event stream")


async def test_a_gateway_that_accepts_and_never_answers(standin, bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")

    async def fault() -> None:
        await standin.stop()
        await standin.start_silent()
        await eventually(lambda: _warned(caplog, "does not answer"), timeout=RECOVERED_WITHIN)
        await standin.start()

    await _recovers(standin, bot[1], fault)
    assert _warned(caplog, "no answer and no event within")


async def test_a_quiet_but_live_stream_is_left_alone(standin, bot, caplog) -> None:
    caplog.set_level(logging.INFO, logger="dudao.wechaty")
    transport, app = bot
    await asyncio.sleep(FAST.dead_after * 4)  # time passes with nothing but DONGs on the stream: nothing may happen
    assert transport.connected and standin.subscribers == 1
    assert [name for name, _ in standin.calls].count("Event") == 1
    assert [name for name, _ in standin.calls].count("Ding") >= 3
    assert not any(r.levelno >= logging.WARNING for r in caplog.records if r.name == "dudao.wechaty")
