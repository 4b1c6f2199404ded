"""outbox buttons: a message may carry buttons ([[label, command], …]) that run a command in one tap where the
platform has them (WeCom's template cards: 验收通过 / 不通过 on the request to verify); awaited_reasons: a 不通过
tapped waits 10 minutes for its reason in the tapper's next message — issue #26 item 2

NOTE for the merge: written to revise 0015 (photo_hashes); another branch adds 0016 — re-chain this one onto it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))
    op.create_table(
        'awaited_reasons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_chat_id', sa.String(length=200), nullable=False),
        sa.Column('room_chat_id', sa.String(length=200), nullable=True),
        sa.Column('command', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sender_chat_id', name='uq_awaited_reasons_sender'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('awaited_reasons')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('buttons')
