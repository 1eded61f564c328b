"""Mark each actor's current stance on each proposal: the latest reported, then the surest

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:10:00

Several stances of one actor on one proposal, from several sources, are a history: the one
reported last is current (among stances reported together, the surest; then the first by id).
`current` is kept by every write (api/store/chronology.py) and filled here for what is there;
the matrix reads its cells, and their order, from its covering index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MATRIX = ["actor_id", "proposal_id", "certainty", "id", "position", "basis", "asserted_by_id"]


def upgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.add_column(
            sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.drop_index("ix_stances_matrix")
        batch_op.create_index(
            "ix_stances_matrix", ["current", *MATRIX, "reported_order"], unique=False
        )
    # Filled by the next `flask seed` (every start runs it): the sources' order first.
    op.execute("UPDATE stances SET reported_order = NULL")


def downgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_matrix")
        batch_op.create_index("ix_stances_matrix", MATRIX, unique=False)
        batch_op.drop_column("current")
