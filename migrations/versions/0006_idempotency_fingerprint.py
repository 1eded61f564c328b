"""Bind each Idempotency-Key to the request it came with, and index keys by age for pruning

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # Stored answers made before keys were bound to their requests cannot be checked: drop them
    # (they would expire within a day anyway).
    op.execute("DELETE FROM idempotent_responses")
    with op.batch_alter_table("idempotent_responses") as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=False))
        batch_op.create_index("ix_idempotent_responses_created_at", ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("idempotent_responses") as batch_op:
        batch_op.drop_index("ix_idempotent_responses_created_at")
        batch_op.drop_column("fingerprint")
