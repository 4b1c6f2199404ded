"""How long the Wechaty transport takes to notice each way a gateway can go away and to handle a message
again, with the production timings (Ding every 5 s, dead after 10 s of silence; 20 s for the first event
when the gateway answers RPCs),
against the local puppet stand-in (tests/support/wechaty_standin.py, faults in wechaty_faults.py).

    .venv/bin/python benchmarks/wechaty_recovery.py

For each fault: seconds from the fault to a message sent afterwards being handled. A gateway restarted at
once (graceful stop, closed server) is back before the bot notices; the silent port is replaced by a real
gateway only once the bot has given up on it.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.settings import Settings  # noqa: E402
from bot.transports.wechaty import Timing, WechatyTransport  # noqa: E402
from tests.support.waiting import eventually  # noqa: E402
from tests.support.wechaty_standin import PuppetStandIn  # noqa: E402

A = "wxid_a"


class Inlet:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def handle(self, inbound) -> bool:  # noqa: ANN001
        self.texts.append(inbound.text)
        return True

    async def last_handled_at(self) -> None:
        return None

    def wake_outbox(self) -> None:
        pass


async def _silent(standin: PuppetStandIn, warned: list[str]) -> None:
    await standin.stop()
    await standin.start_silent()
    await eventually(lambda: any("does not answer" in w for w in warned), timeout=60)
    await standin.start()


async def _restart(standin: PuppetStandIn, how: str) -> None:
    await getattr(standin, how)()
    await standin.start()


async def measure(fault: str, warned: list[str]) -> float:
    standin = PuppetStandIn()
    await standin.start()
    settings = Settings(_env_file=None, wechaty_puppet_service_endpoint=standin.endpoint,
                        wechaty_puppet_service_token="bench")
    transport, inlet = WechatyTransport(settings, timing=Timing()), Inlet()
    task = asyncio.create_task(transport.run(inlet))
    await eventually(lambda: transport.connected and standin.subscribers == 1, timeout=30)
    started = time.monotonic()
    if fault == "half-open TCP":
        standin.blackhole()
    elif fault == "accepts, never answers":
        await _silent(standin, warned)
    else:
        await _restart(standin, "stop_gracefully" if fault == "graceful stop" else "close_server")
    await eventually(lambda: standin.running and standin.subscribers == 1, timeout=60)
    standin.text(A, fault)
    await eventually(lambda: inlet.texts == [fault], timeout=60)
    elapsed = time.monotonic() - started
    await transport.stop()
    await task
    await standin.stop()
    return elapsed


async def main() -> None:
    warned: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warned.append(record.getMessage())

    logging.getLogger("dudao.wechaty").addHandler(Catch())
    for fault in ("graceful stop", "server closed, connections left open", "half-open TCP",
                  "accepts, never answers"):
        warned.clear()
        seconds = await measure(fault, warned)
        print(f"{fault:40s} {seconds:5.1f} s   {warned[0] if warned else '(no warning)'}")


if __name__ == "__main__":
    asyncio.run(main())
