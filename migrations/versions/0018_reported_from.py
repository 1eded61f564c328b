"""Keep each fact's earliest source date beside it (what `as_of` compares), and mark disputes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:45:00

`as_of=DATE` keeps the facts some source published by then backs: the earliest of their
sources' dates ('' when an undated source backs them: they always count). Asked of every
span, it read the evidence of every fact (79 ms a page at 100,000 stances); kept here, it is a
column compared; and its latest dated source's (`reported_to`): a fact restated since is shown
as it was then. Filled by the next `flask seed`, as 0015's places were.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FACT_TABLES = ("actors", "proposals", "stances", "commitments", "events", "statements")


def upgrade():
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("reported_from", sa.String(10), nullable=True))
            batch_op.add_column(sa.Column("reported_to", sa.String(10), nullable=True))
            batch_op.create_index(f"ix_{table}_reported_from", ["reported_from"])
        op.execute(f"UPDATE {table} SET reported_order = NULL")  # placed again by the seed
    # The briefing counts each proposal's stances `as_of` from the index alone; a page of
    # current stances walks them in id order; an actor's current stance that another source
    # contradicts is `disputed` (kept by every write: api/store/chronology.py).
    with op.batch_alter_table("stances") as batch_op:
        batch_op.add_column(
            sa.Column("disputed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            "ix_stances_proposal_id_reported_from", ["proposal_id", "reported_from"]
        )
        batch_op.create_index("ix_stances_current_id", ["current", "id"])
        batch_op.create_index("ix_stances_disputed", ["disputed", "actor_id", "proposal_id"])


def downgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_disputed")
        batch_op.drop_index("ix_stances_current_id")
        batch_op.drop_index("ix_stances_proposal_id_reported_from")
        batch_op.drop_column("disputed")
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_reported_from")
            batch_op.drop_column("reported_to")
            batch_op.drop_column("reported_from")
