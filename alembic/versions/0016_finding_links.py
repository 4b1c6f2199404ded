"""finding links: personal links to one finding's phone page (issue #25 item 2, bot/ledger/links.py) — the SHA-256 of
the link's random token (never the token), the person and the finding it is for, when it was issued, when it
expires and when a newer link revoked it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('finding_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_links_finding_id_findings')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_finding_links_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_finding_links_token_hash'))
    )
    with op.batch_alter_table('finding_links', schema=None) as batch_op:
        batch_op.create_index('ix_finding_links_person_finding', ['person_id', 'finding_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('finding_links', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_links_person_finding')
    op.drop_table('finding_links')
