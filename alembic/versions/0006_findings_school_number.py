"""findings by school in ledger order: (school_id, number) replaces the index on school_id alone

The desk's ledger of a district or a district lead (school_id IN the district's schools) takes its page's numbers
from this index alone (a covering scan), then reads only the rows of the page.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_findings_school_number', 'findings', ['school_id', 'number'], unique=False)
    op.drop_index('ix_findings_school_id', table_name='findings')


def downgrade() -> None:
    """Downgrade schema."""
    op.create_index('ix_findings_school_id', 'findings', ['school_id'], unique=False)
    op.drop_index('ix_findings_school_number', table_name='findings')
