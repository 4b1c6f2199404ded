"""keep_alive keeps a transport's worker running: an unexpected end is logged with its exception and the worker
started again after a short backoff; a return once asked to stop ends it; a fatal error and a cancellation are not
retried. And the Wechaty event listener, run through an EventSource, is restarted on the same stream when it
fails on one event — only that event is lost — but not when the stream itself fails."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from bot.transports.supervisor import Backoff, keep_alive
from bot.transports.wechaty.event_stream import EventSource, listen
from tests.support.waiting import eventually

log = logging.getLogger("test.supervisor")
QUICK = Backoff(initial=0.01, maximum=0.04, stable_after=10.0)


async def test_a_worker_that_raises_is_logged_and_restarted_with_a_growing_backoff(
        caplog: pytest.LogCaptureFixture) -> None:
    runs: list[float] = []
    stop = asyncio.Event()

    async def work() -> None:
        runs.append(asyncio.get_running_loop().time())
        if len(runs) < 4:
            raise AttributeError("'str' object has no attribute 'get'")
        await stop.wait()

    task = asyncio.create_task(keep_alive("worker-x", work, log, stopping=stop.is_set, backoff=QUICK,
                                          context=lambda: "on frame 7"))
    await eventually(lambda: len(runs) >= 4, 2, what="the fourth start of the worker")
    stop.set()
    await asyncio.wait_for(task, 1)
    gaps = [b - a for a, b in zip(runs, runs[1:], strict=False)]
    assert gaps[0] >= 0.009 and gaps[1] >= 0.019 and gaps[2] >= 0.039  # 0.01, 0.02, 0.04 (the maximum)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3 and errors[0].exc_info is not None
    assert errors[0].getMessage() == ("worker-x ended unexpectedly (on frame 7): AttributeError: 'str' object has "
                                      "no attribute 'get'; restarting in 0.01s (restart 1)")


async def test_a_return_while_not_asked_to_stop_is_restarted_and_one_when_asked_ends_it(
        caplog: pytest.LogCaptureFixture) -> None:
    runs = 0
    stopping = False

    async def work() -> None:
        nonlocal runs, stopping
        runs += 1
        stopping = runs == 3

    await asyncio.wait_for(keep_alive("worker-y", work, log, stopping=lambda: stopping, backoff=QUICK), 1)
    assert runs == 3
    assert [r.getMessage() for r in caplog.records][0].startswith("worker-y returned without being asked to stop")


async def test_a_fatal_error_is_raised_and_a_cancellation_is_not_retried() -> None:
    async def broken() -> None:
        raise ConnectionError("stream gone")

    with pytest.raises(ConnectionError):
        await keep_alive("worker-z", broken, log, fatal=lambda e: isinstance(e, ConnectionError), backoff=QUICK)

    started = asyncio.Event()
    runs = 0

    async def forever() -> None:
        nonlocal runs
        runs += 1
        started.set()
        await asyncio.sleep(3600)  # a worker that runs until it is cancelled

    task = asyncio.create_task(keep_alive("worker-w", forever, log, backoff=QUICK))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runs == 1


class _Response(SimpleNamespace):
    type: int
    payload: str


class _Library:
    """What python-wechaty's PuppetService does with the stub's event stream: one loop trusting every event (here:
    it fails on an event whose payload says so, as on a field it did not expect)."""

    def __init__(self, source: EventSource) -> None:
        self.puppet_stub = SimpleNamespace(event=source)
        self.seen: list[str] = []

    async def _listen_for_event(self) -> None:
        async for response in self.puppet_stub.event():
            if "boom" in response.payload:
                raise KeyError("data")
            self.seen.append(response.payload)


async def _events(*items: Any) -> AsyncIterator[Any]:
    for item in items:
        if isinstance(item, BaseException):
            raise item
        yield item


async def test_the_listener_is_restarted_on_the_same_stream_when_it_fails_on_one_event(
        caplog: pytest.LogCaptureFixture) -> None:
    opened = 0

    def open_stream() -> AsyncIterator[Any]:
        nonlocal opened
        opened += 1
        return _events(_Response(type=2, payload='{"messageId": "a"}'), _Response(type=3, payload='{"x": "boom"}'),
                       _Response(type=2, payload='{"messageId": "b"}'))

    source = EventSource(open_stream, lambda kind, key: None)
    library = _Library(source)
    await asyncio.wait_for(listen(library, source), 1)  # the stream ended: listen returns
    assert library.seen == ['{"messageId": "a"}', '{"messageId": "b"}'] and opened == 1
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "ended unexpectedly (on the DONG event (type 3): {\"x\":\"boom\"}): KeyError" in line


async def test_the_listener_is_not_restarted_when_the_stream_itself_breaks() -> None:
    source = EventSource(lambda: _events(_Response(type=2, payload='{"messageId": "a"}'), OSError("reset")),
                         lambda kind, key: None)
    library = _Library(source)
    with pytest.raises(OSError):
        await asyncio.wait_for(listen(library, source), 1)
    assert library.seen == ['{"messageId": "a"}']
