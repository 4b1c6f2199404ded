"""roster history: school_district_spans and supervision_spans, backfilled from today's roster

A past period's figures are counted against the roster as it stood then. The backfill opens one span for each
active school (in its district) and each supervisor-school link, starting at 2000-01-01T00:00Z — "as far back as
we know" — so an existing database has a history that reproduces its current roster at any instant.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00

"""
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# bot.storage.roster_history.HISTORY_START, copied: a migration must not change when the code does
HISTORY_START = datetime(2000, 1, 1, tzinfo=timezone.utc)
OPEN = sa.text("ends_at IS NULL")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('school_district_spans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'],
                            name=op.f('fk_school_district_spans_district_id_districts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_district_spans_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_district_spans'))
    )
    op.create_index('ix_school_district_spans_period', 'school_district_spans',
                    ['ends_at', 'starts_at', 'school_id', 'district_id'], unique=False)
    op.create_index('uq_school_district_spans_open', 'school_district_spans', ['school_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table('supervision_spans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_supervision_spans_person_id_people')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_supervision_spans_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_spans'))
    )
    op.create_index('ix_supervision_spans_period', 'supervision_spans',
                    ['ends_at', 'starts_at', 'person_id', 'school_id'], unique=False)
    op.create_index('uq_supervision_spans_open', 'supervision_spans', ['person_id', 'school_id'], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    _backfill()


def _backfill() -> None:
    """One open span a current active school (its district) and a current supervisor-school link."""
    start = sa.literal(HISTORY_START, sa.DateTime(timezone=True)).label('starts_at')
    schools = sa.table('schools', sa.column('id'), sa.column('district_id'), sa.column('active', sa.Boolean()))
    links = sa.table('supervisor_schools', sa.column('person_id'), sa.column('school_id'))
    district_spans = sa.table('school_district_spans', sa.column('school_id'), sa.column('district_id'),
                              sa.column('starts_at'))
    supervision = sa.table('supervision_spans', sa.column('person_id'), sa.column('school_id'), sa.column('starts_at'))
    op.execute(district_spans.insert().from_select(
        ['school_id', 'district_id', 'starts_at'],
        sa.select(schools.c.id, schools.c.district_id, start).where(schools.c.active.is_(True))
        .order_by(schools.c.id)))
    op.execute(supervision.insert().from_select(
        ['person_id', 'school_id', 'starts_at'],
        sa.select(links.c.person_id, links.c.school_id, start).order_by(links.c.person_id, links.c.school_id)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('uq_supervision_spans_open', table_name='supervision_spans',
                  sqlite_where=OPEN, postgresql_where=OPEN)
    op.drop_index('ix_supervision_spans_period', table_name='supervision_spans')
    op.drop_table('supervision_spans')
    op.drop_index('uq_school_district_spans_open', table_name='school_district_spans',
                  sqlite_where=OPEN, postgresql_where=OPEN)
    op.drop_index('ix_school_district_spans_period', table_name='school_district_spans')
    op.drop_table('school_district_spans')
