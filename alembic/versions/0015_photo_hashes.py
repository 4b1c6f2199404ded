"""photo hashes: each evidence photo's dHash (and its four indexed 16-bit bands), EXIF 拍摄时间 and GPS, and an
index on sha256 — the authenticity hints of issue #25 item 3 (bot.ledger.photo_hash, bot.ledger.photo_hints)

Existing photos are hashed here from their files (a missing or unreadable file keeps NULLs: no hint, no failure).
The EXIF times of existing photos without a zone offset are read as UTC+8 (China's one zone).

NOTE for the merge: written to revise 0014; branch problem-photos adds 0015 — re-chain this one onto 0015.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:50:00

"""
from datetime import timedelta, timezone
from pathlib import Path
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BANDS = ("phash_b0", "phash_b1", "phash_b2", "phash_b3")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phash', sa.BigInteger(), nullable=True))
        for band in BANDS:
            batch_op.add_column(sa.Column(band, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('gps_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('gps_lon', sa.Float(), nullable=True))
        for band in BANDS:
            batch_op.create_index(batch_op.f(f'ix_evidence_{band}'), [band], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_sha256'), ['sha256'], unique=False)
    _backfill()


def _backfill() -> None:
    from bot.ledger import photo_hash  # the same reading as new photos get

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    rows = bind.execute(sa.text("SELECT id, path FROM evidence WHERE phash IS NULL")).all()
    update = sa.text("UPDATE evidence SET phash = :phash, phash_b0 = :b0, phash_b1 = :b1, phash_b2 = :b2, "
                     "phash_b3 = :b3, taken_at = :taken_at, gps_lat = :lat, gps_lon = :lon WHERE id = :id")
    for id_, path in rows:
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        p = photo_hash.read(data, timezone(timedelta(hours=8)))
        if p.phash is None:
            continue
        b0, b1, b2, b3 = p.bands
        taken = p.taken_at.replace(tzinfo=None) if sqlite and p.taken_at is not None else p.taken_at
        bind.execute(update, dict(id=id_, phash=p.phash, b0=b0, b1=b1, b2=b2, b3=b3, taken_at=taken,
                                  lat=p.gps_lat, lon=p.gps_lon))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_sha256'))
        for band in BANDS:
            batch_op.drop_index(batch_op.f(f'ix_evidence_{band}'))
        for column in ('gps_lon', 'gps_lat', 'taken_at', 'phash', *BANDS):
            batch_op.drop_column(column)
