"""web sessions held by the server, and the audit log; the per-account login pause goes

A desk session was a signed cookie only: logout could not end a copied one. Now the cookie carries a random token
and web_sessions holds its SHA-256 (never the token), so deleting the row ends the session. audit_log records
logins, failed and throttled logins, logouts and downloads. web_accounts loses `epoch` (sessions end by deleting
their rows) and `failures`/`paused_until` (the pause that let anyone lock any account out; logins are now
throttled by client address, in memory: bot/web/throttle.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['web_accounts.id'], name=op.f('fk_web_sessions_account_id_web_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_account_id'), ['account_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    with op.batch_alter_table('web_accounts', schema=None) as batch_op:
        batch_op.drop_column('epoch')
        batch_op.drop_column('failures')
        batch_op.drop_column('paused_until')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('web_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('epoch', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('web_accounts', schema=None) as batch_op:
        batch_op.alter_column('failures', server_default=None)
        batch_op.alter_column('epoch', server_default=None)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_account_id'))
    op.drop_table('web_sessions')
