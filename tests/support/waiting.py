"""Waiting by condition, never by a fixed pause: `eventually` polls until something is true and, when it does not
become true in time, fails naming what it waited for."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

POLL = 0.01  # seconds between two looks


async def eventually(predicate: Callable[[], object | Awaitable[object]], timeout: float = 5.0, *,
                     what: str | None = None) -> None:
    """Poll `predicate` (a function, or an async one) until it returns something truthy. After `timeout` seconds
    raise TimeoutError saying what was awaited (`what`, else the predicate's source line). A call in progress is
    never cancelled: an async predicate (a database read, a drain) runs to its end before the clock is looked at."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() >= deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what or _described(predicate)}")
        await asyncio.sleep(POLL)  # the poll interval itself: the one sleep this module needs


def _described(predicate: Callable[..., object]) -> str:
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return getattr(predicate, "__qualname__", repr(predicate))
