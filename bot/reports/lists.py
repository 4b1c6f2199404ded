"""Lists of names cut for a phone screen, as the digests, reminders and replies show them."""
from __future__ import annotations

from collections.abc import Iterable

NAMES_SHOWN = 10  # a list of names longer than this is cut, with a count of the rest


def shown(names: Iterable[str], limit: int = NAMES_SHOWN) -> dict:
    """A list cut for a phone screen: {"names": the first `limit`, "more": how many were left out}."""
    every = list(names)
    return {"names": every[:limit], "more": max(0, len(every) - limit)}
