"""Faults in full. The database (tests/support/db_faults.py): `dudao run` against the gateway stand-in while
commands arrive at 5 a second and the database goes away for 20 s — a SQLite lock held past the busy timeout
(40 s), a full disk (with the spool on another disk, and on the same one: then in memory), a PostgreSQL server of
our own stopped, and the bot killed while messages wait in the spool. Prints, for each: sent, handled, lost (must
be 0), duplicated (must be 0), the 系统繁忙 notices sent and the seconds from the fault's end until every
command sent before it was answered (recovery).
Then the platform's faults, each a table of cases driven through the real clients against the stand-ins, every
bad one followed by a message that must be answered: malformed WeCom callbacks and events, malformed Wechaty
events and payloads, redeliveries with another or no timestamp and after a restart, clocks apart, over-long
messages (the tests named in PLATFORM; pytest says how many cases held).

    PYTHONPATH=. python benchmarks/database_faults.py [COMMANDS] [RATE] [SECONDS]
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support import db_faults


async def main(commands: int, rate: float, seconds: float) -> int:
    outcomes = []
    runs = [("held_lock", dict(fault_seconds=max(seconds, 40.0))),  # past SQLite's 30 s busy timeout
            # killed 8 s after the first messages were kept (the busy timeout is 30 s): the spool brings them back
            ("held_lock+kill", dict(fault_seconds=max(seconds, 45.0), kill_after=38.0))]
    if db_faults.full_disk_available():
        runs += [("full_disk", dict(fault_seconds=seconds, spool_elsewhere=True)),
                 ("full_disk_same", dict(fault_seconds=seconds))]
    if db_faults.OwnPostgres.available():
        runs += [("postgres", dict(fault_seconds=seconds))]
    for name, options in runs:
        with tempfile.TemporaryDirectory(prefix=f"dudao-dbfault-{name}-") as tmp:
            outcome = await db_faults.run_named(Path(tmp), name, commands=commands, rate=rate, **options)
        print(outcome.line(), flush=True)
        outcomes.append(outcome)
    platform = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *PLATFORM],
                              capture_output=True, text=True)
    summary = platform.stdout.strip().splitlines()[-1] if platform.stdout.strip() else platform.stderr[-300:]
    print(f"{'platform faults (tables)':<34} {summary}", flush=True)
    return 0 if all(o.ok() for o in outcomes) and platform.returncode == 0 else 1


PLATFORM = ["tests/transports/test_wecom_malformed.py", "tests/transports/test_wechaty_malformed.py",
            "tests/transports/test_wechaty_clock.py", "tests/transports/test_message_limits_transports.py",
            "tests/app/test_message_keys.py", "tests/transports/test_wecom_e2e.py",
            "tests/transports/test_wechaty_e2e.py"]


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    commands, rate, seconds = (args + [300, 5, 20][len(args):])
    sys.exit(asyncio.run(main(int(commands), rate, seconds)))
