"""a finding's 来源 (source): 经常性督导 by default, or 专项督导, 市级督查, 质量监测反馈, 投诉, 其他 (bot.domain.sources)

Existing findings were all logged in everyday inspection: the server default gives them 'routine'.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('findings', sa.Column('source', sa.String(length=20), server_default='routine', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('findings') as batch:
        batch.drop_column('source')
