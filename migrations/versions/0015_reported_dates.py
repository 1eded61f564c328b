"""Sources' partial dates and their order; each fact's place in it (when it was reported)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:00:00

A source's `published_on` holds a year, a month or a day (`2025`, `2025-03`, `2025-03-04`), and
says whether the article gave it or it is reference knowledge. `reported_order` numbers the
sources oldest first (dates decide where they can, the order they were added in where
precision cannot), and each fact's `reported_order` is its latest source's. Both are filled by
the next `flask seed` (every start runs it), which also renders afresh every fact whose render
is emptied here: renders now say when each fact was reported.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

FACT_TABLES = ("actors", "proposals", "stances", "commitments", "events", "statements")


def upgrade():
    with op.batch_alter_table("sources") as batch_op:
        batch_op.alter_column(
            "published_on",
            type_=sa.String(10),
            existing_type=sa.Date(),
            existing_nullable=True,
            postgresql_using="to_char(published_on, 'YYYY-MM-DD')",
        )
        batch_op.add_column(sa.Column("date_known_from", sa.String(10), nullable=True))
        batch_op.add_column(sa.Column("reported_order", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ordered_by", sa.String(5), nullable=True))
    op.execute("UPDATE sources SET date_known_from = 'article' WHERE published_on IS NOT NULL")
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("reported_order", sa.Integer(), nullable=True))
            batch_op.create_index(f"ix_{table}_reported_order_id", ["reported_order", "id"])
        op.execute(f"UPDATE {table} SET rendered = NULL")


def downgrade():
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_reported_order_id")
            batch_op.drop_column("reported_order")
        op.execute(f"UPDATE {table} SET rendered = NULL")
    op.execute("UPDATE sources SET published_on = NULL WHERE length(published_on) < 10")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("ordered_by")
        batch_op.drop_column("reported_order")
        batch_op.drop_column("date_known_from")
        batch_op.alter_column(
            "published_on",
            type_=sa.Date(),
            existing_type=sa.String(10),
            existing_nullable=True,
            postgresql_using="published_on::date",
        )
