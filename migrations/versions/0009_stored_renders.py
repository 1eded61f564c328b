"""Keep each fact's JSON, as its schema renders it, beside the fact

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:20:00

Left empty here: a read renders a fact that has none, and the next `flask seed` (which every
start runs) stores them all.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FACT_TABLES = ("actors", "proposals", "stances", "commitments", "events", "statements")


def upgrade():
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("rendered", sa.Text(), nullable=True))


def downgrade():
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("rendered")
