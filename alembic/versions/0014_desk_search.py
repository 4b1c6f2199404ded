"""desk search: finding_texts, the words each finding is searched by (its description and the notes of its
rectification reports), kept by triggers; ix_findings_school_status for 我的待办

A school's findings in a state (待整改 due by now, 待验收, 申诉中 or not) are counted from the index
(school_id, status, deadline_at, appealed_at) alone: a supervisor's 我的待办 at a million findings read the table
row by row for each of them before.

The ledger's search by words reads one narrow row a finding instead of the findings' wide rows and the events'
JSON: at a million findings one pass over it is a fraction of a second, and a common word stops at the first
page. The database keeps it, whichever code path writes — a finding inserted, its description corrected, a
rectification report (event kind 'rectified') recorded, a finding deleted — so no writer can forget it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_NOTES = ("(SELECT group_concat(json_extract(e.data, '$.note'), char(10)) FROM finding_events e "
                "WHERE e.finding_id = {id} AND e.kind = 'rectified')")
SQLITE = [
    "CREATE TRIGGER finding_texts_new AFTER INSERT ON findings BEGIN "
    "INSERT INTO finding_texts (finding_id, text) VALUES (new.id, new.description); END",
    "CREATE TRIGGER finding_texts_described AFTER UPDATE OF description ON findings BEGIN "
    "UPDATE finding_texts SET text = new.description || coalesce(char(10) || " + SQLITE_NOTES.format(id="new.id")
    + ", '') WHERE finding_id = new.id; END",
    "CREATE TRIGGER finding_texts_noted AFTER INSERT ON finding_events WHEN new.kind = 'rectified' BEGIN "
    "UPDATE finding_texts SET text = text || char(10) || coalesce(json_extract(new.data, '$.note'), '') "
    "WHERE finding_id = new.finding_id; END",
    "CREATE TRIGGER finding_texts_gone AFTER DELETE ON findings BEGIN "
    "DELETE FROM finding_texts WHERE finding_id = old.id; END",
]
PG_NOTES = ("(SELECT string_agg(e.data->>'note', E'\\n' ORDER BY e.id) FROM finding_events e "
            "WHERE e.finding_id = {id} AND e.kind = 'rectified')")
POSTGRESQL = [
    "CREATE FUNCTION finding_texts_new() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO finding_texts (finding_id, text) VALUES (NEW.id, NEW.description); RETURN NULL; END $$",
    "CREATE TRIGGER finding_texts_new AFTER INSERT ON findings FOR EACH ROW EXECUTE FUNCTION finding_texts_new()",
    "CREATE FUNCTION finding_texts_described() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE finding_texts SET text = NEW.description || coalesce(E'\\n' || " + PG_NOTES.format(id="NEW.id")
    + ", '') WHERE finding_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER finding_texts_described AFTER UPDATE OF description ON findings FOR EACH ROW "
    "EXECUTE FUNCTION finding_texts_described()",
    "CREATE FUNCTION finding_texts_noted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE finding_texts SET text = text || E'\\n' || coalesce(NEW.data->>'note', '') "
    "WHERE finding_id = NEW.finding_id; RETURN NULL; END $$",
    "CREATE TRIGGER finding_texts_noted AFTER INSERT ON finding_events FOR EACH ROW "
    "WHEN (NEW.kind = 'rectified') EXECUTE FUNCTION finding_texts_noted()",
    "CREATE FUNCTION finding_texts_gone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM finding_texts WHERE finding_id = OLD.id; RETURN NULL; END $$",
    "CREATE TRIGGER finding_texts_gone AFTER DELETE ON findings FOR EACH ROW EXECUTE FUNCTION finding_texts_gone()",
]
TRIGGERS = ("finding_texts_new", "finding_texts_described", "finding_texts_noted", "finding_texts_gone")
TABLE_OF = {"finding_texts_new": "findings", "finding_texts_described": "findings",
            "finding_texts_noted": "finding_events", "finding_texts_gone": "findings"}


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('finding_texts',
    sa.Column('finding_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('finding_id', name=op.f('pk_finding_texts'))
    )
    op.create_index('ix_findings_school_status', 'findings', ['school_id', 'status', 'deadline_at', 'appealed_at'],
                    unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    notes = (PG_NOTES if postgres else SQLITE_NOTES).format(id="f.id")
    newline = "E'\\n'" if postgres else "char(10)"
    op.execute(f"INSERT INTO finding_texts (finding_id, text) SELECT f.id, f.description || "
               f"coalesce({newline} || {notes}, '') FROM findings f")
    for statement in POSTGRESQL if postgres else SQLITE:
        op.execute(statement)
    if not postgres and op.get_bind().exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is not None:
        # statistics were gathered once (ANALYZE): without those of the new index SQLite would prefer the indexes it
        # has figures for, and walk a district's findings row by row (seconds at a million)
        op.execute("ANALYZE findings")


def downgrade() -> None:
    """Downgrade schema."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {TABLE_OF[name]}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table('finding_texts')
    op.drop_index('ix_findings_school_status', table_name='findings')
