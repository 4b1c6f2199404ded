"""Fuzz the whole path with many messages (tests/support/fuzz.py): no apology, no crash, no leak.

    PYTHONPATH=. python benchmarks/fuzz_app.py [N] [SEED]      # default 100,000 messages, seed 1
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tests.support import fuzz
from tests.support.harness import Harness
from tests.support.paths import DEMO_COUNTY


async def main(n: int, seed: int) -> int:
    with tempfile.TemporaryDirectory(prefix="dudao-fuzz-") as tmp:
        h = await Harness.create(f"sqlite+aiosqlite:///{tmp}/fuzz.db", Path(tmp), DEMO_COUNTY)
        started = time.perf_counter()
        try:
            outcome = await fuzz.run(h, n, seed=seed)
        finally:
            await h.close()
    elapsed = time.perf_counter() - started
    print(f"fuzz: {outcome.messages} messages in {elapsed:.0f} s ({outcome.messages / elapsed:.0f}/s); "
          f"apologies {len(outcome.apologies)}, leaks {len(outcome.leaks)}")
    for line in (outcome.apologies + outcome.leaks)[:10]:
        print("  ", line)
    return 1 if outcome.apologies or outcome.leaks else 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(asyncio.run(main(args[0] if args else 100_000, args[1] if len(args) > 1 else 1)))
