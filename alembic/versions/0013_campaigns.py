"""campaigns (专项督导): campaigns, campaign_items, campaign_results, and findings.campaign_id

A campaign declared by the office (in the county file, in chat or on the desk) has a checklist; each school's
result for each item is a row of campaign_results (a later one before the school is complete supersedes it); a
不符合 item's finding carries the campaign (findings.campaign_id, NULL on every other finding) and source 'campaign'.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-13 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_ids', sa.JSON(), nullable=False),
    sa.Column('checkers', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_campaigns_created_by_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('campaign_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_items_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_items')),
    sa.UniqueConstraint('campaign_id', 'number', name='uq_campaign_items_number')
    )
    op.create_table('campaign_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_results_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_campaign_results_finding_id_findings')),
    sa.ForeignKeyConstraint(['item_id'], ['campaign_items.id'], name=op.f('fk_campaign_results_item_id_campaign_items')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_campaign_results_person_id_people')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_campaign_results_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_results'))
    )
    with op.batch_alter_table('campaign_results', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_results_campaign_school', ['campaign_id', 'school_id', 'superseded_at'], unique=False)

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_findings_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_findings_campaign_id_campaigns'), 'campaigns', ['campaign_id'], ['id'])



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_findings_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_findings_campaign_id'))
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('campaign_results', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_results_campaign_school')

    op.drop_table('campaign_results')
    op.drop_table('campaign_items')
    op.drop_table('campaigns')
