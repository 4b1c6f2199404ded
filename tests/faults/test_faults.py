"""The fault harness in small (tests/support/faults.py): `dudao run` killed with SIGKILL while commands arrive;
nothing lost, no finding twice, every reply out, at most one repeat per kill; a second bot refused."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import faults

pytestmark = pytest.mark.slow  # `dudao run` children killed and restarted: seconds of real time


async def test_kills_lose_nothing_and_repeat_at_most_one_reply_each(tmp_path: Path) -> None:
    figures = await faults.run(tmp_path, commands=int(os.environ.get("FAULT_COMMANDS", "60")),
                               kills=int(os.environ.get("FAULT_KILLS", "2")), seed=3)
    assert figures.ok(), (figures, (tmp_path / "bot.log").read_text(errors="replace")[-3000:])
    assert figures.kills >= 1 and figures.refused_second_instance
