"""INSERT … ON CONFLICT DO NOTHING for the dialect in use: one statement where a look-up and an insert were two."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_new(session: AsyncSession, model: type[Any]) -> Any:
    """An INSERT of `model` rows that skips rows whose key exists (add `.values(...)` and `.returning(...)`: the
    rows returned are the ones that were new)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()
