"""Inserts on the hot path: INSERT … ON CONFLICT DO NOTHING for the dialect in use (one statement where a look-up
and an insert were two), and `adopt`, the ORM object of a row a Core INSERT just wrote."""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, bindparam, exists, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from bot.storage.session import Session


def insert_new_returning(session: Session, model: type[Any], column: str) -> Any:
    """An INSERT of `model` rows that skips rows whose key exists, returning `column` of the rows that were new. One
    statement object per dialect and table, executed with a list of rows: SQLAlchemy sends them as one multi-row
    INSERT and keeps the compiled form (a new `.values([...])` statement each time costs 3× the CPU)."""
    return _returning(_dialect(session), model.__table__, column)


def _dialect(session: Session) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _insert(dialect: str, table: Table) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


@functools.cache
def _returning(dialect: str, table: Table, column: str) -> Any:
    return _insert(dialect, table).returning(table.c[column])


def insert_new_unless_returning(session: Session, model: type[Any], column: str) -> Any:
    """The INSERT of one `model` row (a parameter per column, named as the column) unless its key exists — or a row
    whose `column` is the parameter `unless` does: INSERT … SELECT … WHERE NOT EXISTS … ON CONFLICT DO NOTHING,
    returning `column` when the row was written. One statement, where a look-up of the second key would be two."""
    return _unless(_dialect(session), model.__table__, column)


@functools.cache
def _unless(dialect: str, table: Table, column: str) -> Any:
    key = table.c[column]
    values = select(*(bindparam(c.key, type_=c.type) for c in table.columns)).where(
        ~exists().where(key == bindparam("unless", type_=key.type)))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).from_select([c.key for c in table.columns], values).on_conflict_do_nothing().returning(key)


def adopt(session: Any, model: type[Any], values: dict[str, Any]) -> Any:
    """The clean, persistent `model` object of a row just written by a Core INSERT with `values` (every column; one
    not given is None), put in `session` without a query — as if it had been loaded. An object of the same identity
    still in the session (its row rolled back with a failed message's SAVEPOINT, its id given out again) is put out
    first: it is stale. `session`: an Session or a DirectSession."""
    obj = model(**{column.key: values.get(column.key) for column in model.__table__.columns})
    make_transient_to_detached(obj)
    sync = session.sync_session
    stale = sync.identity_map.get(inspect(obj).key)
    if stale is not None:
        sync.expunge(stale)
    sync.add(obj)
    return obj
