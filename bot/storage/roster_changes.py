"""Which commits changed the county: a hook of the unit of work (bot.storage.engine.CommitHook) that counts them, so
the roster cache (bot.storage.roster_repo.RosterCache) reloads after the first one without asking the database
about every message."""
from __future__ import annotations

from bot.storage.session import Session

_CHANGED = "dudao_roster_changed"  # session.info, this hook's own key


def note_roster_changed(session: Session) -> None:
    """The county changes in this transaction (a county load, #本群 …): the roster is read anew once it commits."""
    session.info[_CHANGED] = True


class RosterChanges:
    """Counts the commits of one Database that changed the county (its `generation`)."""

    def __init__(self) -> None:
        self.generation = 0

    def begin(self, session: Session) -> None:
        session.info.pop(_CHANGED, None)

    async def before_commit(self, session: Session) -> None:
        return None

    def after_commit(self, session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            self.generation += 1
