"""The fault harness in full (tests/support/faults.py): 600 commands in four rooms, `dudao run` killed with SIGKILL
8 times and restarted; prints what was lost, duplicated, left unanswered and repeated.

    PYTHONPATH=. python benchmarks/faults.py [COMMANDS] [KILLS] [SEED]
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from tests.support import faults


async def main(commands: int, kills: int, seed: int) -> int:
    with tempfile.TemporaryDirectory(prefix="dudao-faults-") as tmp:
        started = time.perf_counter()
        f = await faults.run(Path(tmp), commands=commands, kills=kills, seed=seed)
        elapsed = time.perf_counter() - started
    print(f"faults: {f.commands} commands, {f.kills} kills in {elapsed:.0f} s: lost {len(f.lost)}, "
          f"duplicate findings {len(f.duplicate_findings)}, unanswered {len(f.unanswered)}, repeated replies "
          f"{f.repeated_replies} (the bot counted {f.resent_after_crash} resent after a crash), second instance "
          f"refused: {f.refused_second_instance}")
    if not f.ok():
        print("lost:", f.lost[:20], "duplicates:", f.duplicate_findings[:20], "unanswered:", f.unanswered[:20])
    return 0 if f.ok() else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    sys.exit(asyncio.run(main(*(args + [600, 8, 1][len(args):]))))
