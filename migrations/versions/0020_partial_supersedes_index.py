"""Index only the stances that supersede another

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 04:10:00

Most stances supersede none: SQLite's statistics then said one value (null) held every row of
ix_stances_supersedes_id, and its planner read all the stances rather than the index to find
those superseding one (0.35 s at a million stances, for every write of a stance, to find what
shows it). The index now holds only the stances that supersede another.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

SUPERSEDING = sa.text("supersedes_id IS NOT NULL")


def upgrade():
    op.drop_index("ix_stances_supersedes_id", table_name="stances")
    op.create_index(
        "ix_stances_supersedes_id",
        "stances",
        ["supersedes_id"],
        sqlite_where=SUPERSEDING,
        postgresql_where=SUPERSEDING,
    )


def downgrade():
    op.drop_index("ix_stances_supersedes_id", table_name="stances")
    op.create_index("ix_stances_supersedes_id", "stances", ["supersedes_id"])
