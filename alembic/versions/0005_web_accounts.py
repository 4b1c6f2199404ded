"""web accounts: logins to the office's web desk

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 18:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('web_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_web_accounts_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_accounts')),
    sa.UniqueConstraint('person_id', name=op.f('uq_web_accounts_person_id')),
    sa.UniqueConstraint('username', name=op.f('uq_web_accounts_username'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('web_accounts')
