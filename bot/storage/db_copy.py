"""`dudao db copy SOURCE`: every row of one database copied into another, empty one — how a county moves from the
embedded SQLite file to PostgreSQL (docs/deploy.md, "Moving from SQLite to PostgreSQL"), or back.

Both databases are first brought to the same schema (the newest migration); the target must hold no rows (unless
`force`, which empties it first). The rows are copied table by table in the order of their foreign keys, each
table in its primary key's order and in batches, all in ONE transaction of the target: a copy that fails leaves
the target as it was. Rows the target's triggers write themselves (finding_texts, alembic 0014) are replaced by the
source's at the end; PostgreSQL's id sequences are moved past the copied ids; every table's count is compared
with the source's before the commit. The photos' files are not moved: the rows keep their paths (EVIDENCE_DIR)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import models as m
from bot.storage.engine import Database

log = logging.getLogger("dudao.storage")
BATCH = 1000
TRIGGER_MADE = ("finding_texts",)  # kept by the database's own triggers: the source's rows replace them at the end


class CopyError(Exception):
    """Why the copy was not made (nothing was changed): `kind` keys templates/cli/db_copy.j2."""

    def __init__(self, kind: str, **values: object) -> None:
        super().__init__(kind)
        self.kind, self.values = kind, values


@dataclass
class Copied:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def tables() -> list[Table]:
    """The schema's tables in the order of their foreign keys, the trigger-made ones last."""
    ordered = list(m.Base.metadata.sorted_tables)
    return [t for t in ordered if t.name not in TRIGGER_MADE] + [t for t in ordered if t.name in TRIGGER_MADE]


async def count_rows(conn: AsyncConnection) -> dict[str, int]:
    return {t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables()}


async def copy_database(source: Database, target: Database, *, force: bool = False) -> Copied:
    """Copy every row of `source` into `target` (both at the newest schema). CopyError when it cannot (the same
    database twice, a target that holds rows without `force`, counts that differ after the copy)."""
    if same_database(source, target):
        raise CopyError("same", url=_shown(target.url))
    started = time.monotonic()
    async with source.engine.connect() as src:
        if source.dialect == "postgresql":  # one snapshot of the source for the whole copy
            await src.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        counts = await count_rows(src)
        async with target.engine.begin() as dst:
            held = sum((await count_rows(dst)).values())
            if held and not force:
                raise CopyError("not_empty", rows=held, url=_shown(target.url))
            if held:  # --force: emptied first, children before parents
                for table in reversed(tables()):
                    await dst.execute(table.delete())
            for table in tables():
                await dst.execute(table.delete())  # what the target's triggers wrote for the rows copied so far
                await _copy_table(src, dst, table)
            if target.dialect == "postgresql":
                await _move_sequences(dst)
            copied = await count_rows(dst)
            differ = {name: (n, copied.get(name, 0)) for name, n in counts.items() if copied.get(name, 0) != n}
            if differ:
                raise CopyError("differ", tables=differ)
    seconds = time.monotonic() - started
    log.info("database copied: %d rows in %.1f s", sum(counts.values()), seconds)
    return Copied(counts, seconds)


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table) -> None:
    order = list(table.primary_key.columns) or list(table.columns)
    result = await src.stream(select(table).order_by(*order))
    async for part in result.mappings().partitions(BATCH):
        await dst.execute(table.insert(), [dict(row) for row in part])


async def _move_sequences(dst: AsyncConnection) -> None:
    """Each serial id's sequence past the largest id copied (else the next insert would collide)."""
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        sequence = await dst.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": table.name, "c": keys[0].name})
        if sequence is None:
            continue
        await dst.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{keys[0].name}") FROM "{table.name}"), 1), '
                               f'(SELECT MAX("{keys[0].name}") FROM "{table.name}") IS NOT NULL)'), {"s": sequence})


def same_database(a: Database, b: Database) -> bool:
    return a.engine.url.render_as_string(hide_password=False) == b.engine.url.render_as_string(hide_password=False)


def _shown(url: str) -> str:
    """The address without its password, for the operator's message."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
