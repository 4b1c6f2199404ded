"""Long-lived workers of a transport stay alive: `keep_alive` runs one, logs when it ends unexpectedly — with its
exception — and starts it again after a short backoff.

A worker is a coroutine function that loops over what the platform delivers: the WeCom callback worker, the
Wechaty receiver, the Wechaty event stream consumer. Each survives what it reads on its own (every event in its
own try); this is the second line: a bug nobody foresaw must not leave the bot connected, answering pings, and
deaf. A worker ends on purpose by returning once it was asked to stop (`stopping()`); one that returns while not
asked to is restarted too. Cancelling `keep_alive` cancels the worker and is never retried.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """How long to wait before a restart: `initial`, doubled after each restart up to `maximum`; a run that
    lasted `stable_after` seconds starts again from `initial`."""

    initial: float = 0.1
    maximum: float = 5.0
    stable_after: float = 30.0


IMMEDIATE = Backoff(0.0, 0.0, 0.0)


async def keep_alive(name: str, work: Callable[[], Awaitable[None]], log: logging.Logger, *,
                     stopping: Callable[[], bool] = lambda: True,
                     fatal: Callable[[BaseException], bool] = lambda error: False,
                     context: Callable[[], str] | None = None, backoff: Backoff = Backoff()) -> None:
    """Run `work()` until it returns while `stopping()` is true; restart it whenever it raises or returns early.

    fatal(error): this error ends the worker's purpose (the connection it reads is gone): raised, not restarted.
    context(): a few words on what the worker was doing, for the log line of an unexpected end.
    """
    loop = asyncio.get_running_loop()
    delay = backoff.initial
    restarts = 0
    while True:
        started = loop.time()
        ended: Exception | None = None
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 — the point: whatever it was, the worker runs again
            if fatal(error):
                raise
            ended = error
        else:
            if stopping():
                return
        if loop.time() - started >= backoff.stable_after:
            delay = backoff.initial
        restarts += 1
        if ended is not None:
            log.error("%s ended unexpectedly%s: %s: %s; restarting in %.2fs (restart %d)", name, _context(context),
                      type(ended).__name__, ended, delay, restarts, exc_info=ended)
        else:
            log.error("%s returned without being asked to stop; restarting in %.2fs (restart %d)", name, delay,
                      restarts)
        await asyncio.sleep(delay)
        delay = min(max(delay * 2, backoff.initial), backoff.maximum)

def _context(context: Callable[[], str] | None) -> str:
    if context is None:
        return ""
    try:
        said = context()
    except Exception as error:  # noqa: BLE001 — a log line's detail must not stop the restart
        said = f"<{type(error).__name__}>"
    return f" ({said})" if said else ""
