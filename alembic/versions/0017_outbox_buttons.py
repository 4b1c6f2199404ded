"""outbox buttons: a message may carry buttons ([[label, command], …]) that run a command in one tap where the
platform has them (WeCom's template cards: 验收通过 / 不通过 on the request to verify) — issue #26 item 2

NOTE for the merge: written to revise 0015 (photo_hashes); another branch adds 0016 — re-chain this one onto it.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('buttons')
