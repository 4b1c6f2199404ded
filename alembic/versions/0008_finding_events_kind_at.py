"""finding events by kind and time: the 考核's verifications of a period, found without reading every event

A ledger of 1,000,000 findings holds some 4,000,000 events; the 考核 asks for the verifications made in a period
(kind IN (verify_passed, verify_failed) AND at in a range), which without this index is a scan of them all.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_finding_events_kind_at', 'finding_events', ['kind', 'at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_finding_events_kind_at', table_name='finding_events')
