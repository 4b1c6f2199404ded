"""How long from a MESSAGE event on the wire to the bot's MessageSendText, through the real core,
the real python-wechaty client and the local puppet stand-in (tests/wechaty_standin.py).

    .venv/bin/python benchmarks/wechaty_latency.py [N]

Prints the gRPC calls one command causes, in order, then latency percentiles over N commands
(rate limits off, so this is processing time; with the default limits a room gets at most one
message a second, which only matters for replies that follow each other).
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.cli.bootstrap import build, load_county, open_database  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.transports.wechaty import WechatyTransport  # noqa: E402
from tests.support.waiting import eventually  # noqa: E402
from tests.support.wechaty_standin import PuppetStandIn  # noqa: E402

ROOM, SUPERVISOR, PRINCIPAL = "room-syxx@chatroom", "wxid_zhouyonghong", "wxid_liuyang"


async def one(standin: PuppetStandIn, text: str) -> tuple[float, list[str]]:
    """Send `text` as the supervisor; return (seconds to the reply, gRPC calls in between)."""
    before_calls, before_sent = len(standin.calls), len(standin.sent_texts)
    started = time.monotonic()
    standin.text(SUPERVISOR, text, room=ROOM)
    await eventually(lambda: len(standin.sent_texts) > before_sent, timeout=10)
    reply = standin.sent_texts[before_sent]
    return reply.at - started, [name for name, _ in standin.calls[before_calls:]]


async def main(n: int) -> None:
    standin = PuppetStandIn()
    standin.add_contact(SUPERVISOR, "周永红")
    standin.add_contact(PRINCIPAL, "刘洋")
    standin.add_room(ROOM, "实验小学督导联络群", [SUPERVISOR, PRINCIPAL])
    await standin.start()
    with tempfile.TemporaryDirectory(prefix="dudao-bench-") as tmp:
        settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
                            evidence_dir=Path(tmp) / "evidence",
                            wechaty_puppet_service_endpoint=standin.endpoint,
                            wechaty_puppet_service_token="bench", wechaty_room_interval_seconds=0.0,
                            wechaty_between_rooms_seconds=0.0, wechaty_per_minute=100_000,
                            outbox_per_minute=100_000)
        db = await open_database(settings.database_url)
        await load_county(db, REPO / "bot" / "data" / "demo-county.yaml", SystemClock())
        transport = WechatyTransport(settings)
        app = build(settings, SystemClock(), db, transport)
        sender = asyncio.create_task(app.outbox.run())
        runner = asyncio.create_task(transport.run(app))
        await eventually(lambda: transport.connected)
        connect_calls = [name for name, _ in standin.calls]
        first, calls = await one(standin, "#问题 实验小学 安全稳定 消防通道堆放杂物 限期3天")
        print("connect:", " -> ".join(connect_calls))
        print(f"first command (cold caches): {first * 1000:.1f} ms;", "MESSAGE ->", " -> ".join(calls))
        _, calls = await one(standin, "#查询 Q1")
        print("warm command:", "MESSAGE ->", " -> ".join(calls))
        samples = [(await one(standin, "#查询 Q1" if i % 2 else "#清单"))[0] for i in range(n)]
        q = statistics.quantiles(samples, n=20)
        print(f"{n} commands: median {statistics.median(samples) * 1000:.1f} ms, "
              f"p95 {q[18] * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms")
        await transport.stop()
        await runner
        app.outbox.stop()
        await sender
        await db.dispose()
    await standin.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
