"""Index stances for the matrix: a page of actors' cells read from the index alone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:40:00

"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ["actor_id", "proposal_id", "certainty", "id", "position", "basis", "asserted_by_id"]


def upgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.create_index("ix_stances_matrix", COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_matrix")
