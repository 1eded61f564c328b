"""Let a stance say which earlier stance of its actor on its proposal it supersedes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:25:00

Set by an editor, or inferred by import and POST for a stance reported after its actor's
current stance on the proposal; cleared with null.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.add_column(sa.Column("supersedes_id", sa.String(100), nullable=True))
        batch_op.create_foreign_key(
            "fk_stances_supersedes_id_stances", "stances", ["supersedes_id"], ["id"]
        )
        batch_op.create_index("ix_stances_supersedes_id", ["supersedes_id"])


def downgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_supersedes_id")
        batch_op.drop_constraint("fk_stances_supersedes_id_stances", type_="foreignkey")
        batch_op.drop_column("supersedes_id")
