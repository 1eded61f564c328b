"""Index stances by (position, id) and (certainty, id) for filtered keyset pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 09:20:00

"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_position")
        batch_op.drop_index("ix_stances_certainty")
        batch_op.create_index("ix_stances_position_id", ["position", "id"], unique=False)
        batch_op.create_index("ix_stances_certainty_id", ["certainty", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("stances") as batch_op:
        batch_op.drop_index("ix_stances_certainty_id")
        batch_op.drop_index("ix_stances_position_id")
        batch_op.create_index("ix_stances_certainty", ["certainty"], unique=False)
        batch_op.create_index("ix_stances_position", ["position"], unique=False)
