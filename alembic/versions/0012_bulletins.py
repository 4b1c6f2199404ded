"""bulletins: the 通报 as issued (印发) — its 文号, 印发日期, the Word document's bytes and the chat text, frozen

A new table only: nothing existing changes. A correction (更正) is a row naming the one it corrects (corrects_id, a
foreign key to the same table, unique: a 通报 is corrected once; the correction may be corrected in turn).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=True),
    sa.Column('period_first', sa.Date(), nullable=False),
    sa.Column('period_last', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['bulletins.id'], name=op.f('fk_bulletins_corrects_id_bulletins')),
    sa.ForeignKeyConstraint(['issued_by'], ['people.id'], name=op.f('fk_bulletins_issued_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins')),
    sa.UniqueConstraint('corrects_id', name=op.f('uq_bulletins_corrects_id')),
    sa.UniqueConstraint('number', name=op.f('uq_bulletins_number'))
    )
    op.create_index('ix_bulletins_kind_subject', 'bulletins', ['kind', 'subject'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_bulletins_kind_subject', table_name='bulletins')
    op.drop_table('bulletins')
