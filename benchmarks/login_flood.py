"""Benchmark: a flood of wrong passwords against `dudao run --web`, and what it does to a logged-in desk page and to
the bot's chat replies (issue #22: the flood must never delay either by more than 50 ms at p95).

    PYTHONPATH=. python benchmarks/login_flood.py [--seconds 60] [--clients 5]

Starts `dudao run --web` (a real child process, the desk beside the bot) on a SQLite file with the demo county,
against the Wechaty gateway stand-in (tests/support/faults.py), with WEB_TRUSTED_PROXIES=127.0.0.1. Logs the office
(刘建国) in and then, in each phase (--seconds in all, in slices of SLICE seconds taking turns, so that whatever
else the machine does weighs on each phase alike), asks for /ledger every 100 ms and sends `#清单` in a school's
room every 250 ms, timing the page and the time from the message on the wire to the bot's reply:

- quiet: nothing else;
- flood, one address: --clients clients posting wrong passwords for p-liu back to back from one address (after
  5 tries the throttle answers 429 without a password hash);
- flood, spread: the same, each try from another address (X-Forwarded-For through the trusted proxy), so every
  try costs a password hash (a distributed attack: what the hasher's thread pool is for).

Prints p50/p95 of both for each phase, the difference to quiet, and what the flood was answered.
A script, not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.cli.bootstrap import load_county, open_database
from bot.clock import SystemClock
from tests.support.faults import ROOMS, GatewayStandIn
from tests.support.paths import REPO
from tests.support.waiting import eventually

OFFICE, PASSWORD = "p-liu", "bench-flood-pass-1"
ROOM, _, SUPERVISOR, _ = ROOMS[0]
PAGE_EVERY, CHAT_EVERY = 0.1, 0.25
SLICE = 10.0  # the phases take turns in slices of about this many seconds


@dataclass
class Phase:
    name: str
    page_ms: list[float] = field(default_factory=list)
    chat_ms: list[float] = field(default_factory=list)
    flood: Counter[int] = field(default_factory=Counter)

    @staticmethod
    def p(values: list[float], q: int) -> float:
        if len(values) < 2:
            return float("nan")
        return statistics.median(values) if q == 50 else statistics.quantiles(values, n=100)[q - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _prepare(url: str) -> None:
    from sqlalchemy import select

    from bot.storage import models as m
    from bot.web.accounts import set_password

    db = await open_database(url)
    try:
        await load_county(db, REPO / "bot/data/demo-county.yaml", SystemClock())
        async with db.transaction() as s:
            person = await s.scalar(select(m.Person).where(m.Person.key == OFFICE))
            await set_password(s, person, PASSWORD, SystemClock().now())
    finally:
        await db.dispose()


async def _login(client: httpx.AsyncClient) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', (await client.get("/login")).text).group(1)
    answer = await client.post("/login", data=dict(csrf=csrf, username=OFFICE, password=PASSWORD, next="/ledger"))
    assert answer.status_code == 303, answer.status_code


async def _pages(client: httpx.AsyncClient, phase: Phase, until: float) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        answer = await client.get("/ledger")
        assert answer.status_code == 200, answer.status_code
        phase.page_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(PAGE_EVERY)


async def _chat(standin: GatewayStandIn, phase: Phase, until: float) -> None:
    while time.monotonic() < until:
        before = len(standin.sent_texts)
        started = time.monotonic()
        standin.text(SUPERVISOR, "#清单", room=ROOM)
        await eventually(lambda before=before: len(standin.sent_texts) > before, timeout=60, what="a reply to #清单")
        phase.chat_ms.append((standin.sent_texts[before].at - started) * 1000)
        await asyncio.sleep(CHAT_EVERY)


async def _flooder(base: str, phase: Phase, until: float, spread: bool) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', (await client.get("/login")).text).group(1)
        while time.monotonic() < until:
            headers = {"x-forwarded-for": f"10.{random.randrange(256)}.{random.randrange(256)}."
                                          f"{random.randrange(1, 255)}"} if spread else {}
            answer = await client.post("/login", headers=headers,
                                       data=dict(csrf=csrf, username=OFFICE, password="wrong", next="/ledger"))
            phase.flood[answer.status_code] += 1


async def _phase(phase: Phase, base: str, desk: httpx.AsyncClient, standin: GatewayStandIn, seconds: float,
                 clients: int, flood: str | None) -> Phase:
    until = time.monotonic() + seconds
    jobs = [_pages(desk, phase, until), _chat(standin, phase, until)]
    jobs += [_flooder(base, phase, until, flood == "spread") for _ in range(clients if flood else 0)]
    await asyncio.gather(*jobs)
    return phase


async def main(seconds: float, clients: int, threads: int = 2) -> None:
    standin = await GatewayStandIn.demo()
    with tempfile.TemporaryDirectory(prefix="dudao-bench-flood-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bot.db"
        await _prepare(url)
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "EVIDENCE_DIR": f"{tmp}/evidence", "LOG_LEVEL": "WARNING",
               "COUNTY_FILE": str(REPO / "bot/data/demo-county.yaml"), "WEB_LISTEN": f"127.0.0.1:{port}",
               "WEB_TRUSTED_PROXIES": "127.0.0.1", "WEB_SECRET": "bench-flood-secret",
               "WEB_LOGIN_THREADS": str(threads),
               "WECHATY_PUPPET_SERVICE_ENDPOINT": standin.endpoint, "WECHATY_PUPPET_SERVICE_TOKEN": "bench",
               "WECHATY_ROOM_INTERVAL_SECONDS": "0", "WECHATY_BETWEEN_ROOMS_SECONDS": "0",
               "OUTBOX_PER_MINUTE": "100000", "WECHATY_PER_MINUTE": "100000", "PYTHONPATH": str(REPO)}
        log = Path(tmp) / "bot.log"
        with log.open("ab") as out:
            child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--web", cwd=tmp,
                                                         env=env, stdout=out, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            await eventually(lambda: standin.subscribers >= 1, timeout=60, what="the bot connected to the gateway")

            async def desk_up() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    async with httpx.AsyncClient(base_url=base) as probe:
                        return (await probe.get("/login")).status_code == 200
                return False

            await eventually(desk_up, timeout=60, what="the desk answers")
            async with httpx.AsyncClient(base_url=base, timeout=120) as desk:
                await _login(desk)
                await _phase(Phase("warm-up"), base, desk, standin, min(5.0, seconds), 0, None)
                phases = [Phase("quiet"), Phase("flood, one address"), Phase("flood, spread")]
                rounds = max(1, round(seconds / SLICE))
                for _ in range(rounds):  # interleaved: whatever else the machine does weighs on each alike
                    for phase, flood in zip(phases, (None, "one", "spread"), strict=True):
                        await _phase(phase, base, desk, standin, seconds / rounds, clients, flood)
        finally:
            if child.returncode is None:
                child.send_signal(signal.SIGTERM)
                await asyncio.wait_for(child.wait(), 60)
            await standin.stop()
        errors = [line for line in log.read_text(errors="replace").splitlines() if "ERROR" in line]
    _table(phases, seconds, clients)
    if errors:
        print(f"\nthe bot logged {len(errors)} errors, e.g. {errors[0][:200]}")


def _table(phases: list[Phase], seconds: float, clients: int) -> None:
    quiet = phases[0]
    print(f"\n{clients} flood clients, {seconds:.0f} s a phase; latency in ms (Δp95: against quiet)")
    print(f"{'phase':<22}{'/ledger p50':>12}{'p95':>8}{'Δp95':>8}{'chat p50':>10}{'p95':>8}{'Δp95':>8}  flood answered")
    for ph in phases:
        flood = ", ".join(f"{n} × {code}" for code, n in sorted(ph.flood.items())) or "—"
        print(f"{ph.name:<22}{ph.p(ph.page_ms, 50):>12.1f}{ph.p(ph.page_ms, 95):>8.1f}"
              f"{ph.p(ph.page_ms, 95) - quiet.p(quiet.page_ms, 95):>8.1f}"
              f"{ph.p(ph.chat_ms, 50):>10.1f}{ph.p(ph.chat_ms, 95):>8.1f}"
              f"{ph.p(ph.chat_ms, 95) - quiet.p(quiet.chat_ms, 95):>8.1f}  {flood}"
              f"  (n={len(ph.page_ms)}/{len(ph.chat_ms)})", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of each phase, in all (default 60)")
    parser.add_argument("--clients", type=int, default=5, help="flood clients (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="WEB_LOGIN_THREADS of the bot (default 2)")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.clients, args.threads))
