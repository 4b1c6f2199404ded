"""cards kept: outbox.card names the WeCom card a row's buttons went out on (a tap after a restart updates it with
its title); private_chats: who has written to the bot privately (their private copy of a card survives a restart);
evidence.held_for: the photos of a failed #问题 wait for the corrected one as its 问题照片 — issue #26's follow-up

NOTE for the merge: written to revise 0017; if 0018 lands first, re-chain this one onto it.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07 05:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_card'), ['card'], unique=False)
    op.create_table(
        'private_chats',
        sa.Column('chat_id', sa.String(length=200), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('chat_id'),
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_for', sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('held_for')
    op.drop_table('private_chats')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_card'))
        batch_op.drop_column('card')
