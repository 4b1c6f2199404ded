"""appeals (申诉): findings.appealed_at, when the appeal now waiting for the office's decision was made

NULL on every existing finding: no appeal waits. A partial index holds the few that wait (the office's list and
its daily reminder find them without reading every finding). The appeal and the decision are finding events
(`appealed`, `appeal_decided`); the column is the flag the reminders, lists and figures read now, without them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

APPEALED = sa.text("appealed_at IS NOT NULL")


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('findings') as batch:
        batch.add_column(sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_findings_appealed', 'findings', ['appealed_at'], unique=False,
                    sqlite_where=APPEALED, postgresql_where=APPEALED)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_findings_appealed', table_name='findings')
    with op.batch_alter_table('findings') as batch:
        batch.drop_column('appealed_at')
