"""SIGTERM / SIGINT stop a running Wechaty transport promptly and cleanly (in a child process,
wired the way `dudao run` wires it: the signal handler calls transport.stop())."""
from __future__ import annotations

import asyncio
import signal
import sys
import time

import pytest

from tests.support.paths import REPO
from tests.support.waiting import eventually
from tests.support.wechaty_standin import PuppetStandIn

CHILD = """
import asyncio, signal, sys
from bot.settings import Settings
from bot.transports.wechaty import Timing, WechatyTransport

class App:
    async def handle(self, inbound):
        print("handled", inbound.text, flush=True)
    async def handle_many(self, inbounds):
        return [await self.handle(inbound) for inbound in inbounds]
    async def last_handled_at(self):
        return None

async def main():
    settings = Settings(_env_file=None, wechaty_puppet_service_endpoint=sys.argv[1],
                        wechaty_puppet_service_token="t0ken")
    transport = WechatyTransport(settings, timing=Timing(backoff_initial=0.05, backoff_max=0.2))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(transport.stop()))
    print("ready", flush=True)
    await transport.run(App())
    print("stopped", flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("gateway_up", [True, False])
async def test_signal_stops_the_transport_within_seconds(sig: signal.Signals, gateway_up: bool) -> None:
    standin = PuppetStandIn()
    if gateway_up:
        await standin.start()
    else:
        from bot.transports.wechaty.gateway import free_port

        standin.port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, standin.endpoint, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert (await asyncio.wait_for(child.stdout.readline(), 30)).decode().strip() == "ready"
        if gateway_up:
            await eventually(lambda: standin.subscribers == 1, timeout=20)
            standin.text("wxid_a", "hello")
            assert (await asyncio.wait_for(child.stdout.readline(), 5)).decode().strip() == "handled hello"
        else:
            await asyncio.sleep(0.5)  # time passes while it retries an endpoint where nothing listens
        started = time.monotonic()
        child.send_signal(sig)
        stdout, stderr = await asyncio.wait_for(child.communicate(), 10)
        elapsed = time.monotonic() - started
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await standin.stop()
    assert child.returncode == 0, stderr.decode()[-2000:]
    assert stdout.decode().strip().endswith("stopped")
    assert elapsed < 4.0
