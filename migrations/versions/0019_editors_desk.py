"""The editor's desk: one source per text, amounts with a currency, events dated as articles
date them and with a status

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 01:30:00

A source's text hash is indexed: a second source with the same text is refused (409); spans
by their paragraph (`paragraph=`). A
commitment may be an amount (`defense_spending_amount`), in a `currency`. An event's date is
kept as the article gives it (`2025`, `2025-06`, `2025-06-24`, or `--06-24` for a day of a
month in a year it does not say): the column becomes text, its days kept as they were
(`YYYY-MM-DD`), and `date_order` keeps what `sort=date` compares; its `status` (upcoming,
held, cancelled) is new, null where nobody said. The search index is emptied, to be built
again by the next seed without enum values and with dotted abbreviations plain.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sources") as batch_op:
        batch_op.create_index("ix_sources_sha256", ["sha256"])
    op.create_index("ix_evidence_paragraph", "evidence", ["fact_type", "paragraph", "fact_id"])
    with op.batch_alter_table("commitments") as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(3), nullable=True))
    with op.batch_alter_table("events") as batch_op:
        batch_op.alter_column(
            "date",
            type_=sa.String(10),
            existing_type=sa.Date(),
            existing_nullable=True,
            postgresql_using="to_char(date, 'YYYY-MM-DD')",
        )
        batch_op.add_column(sa.Column("status", sa.String(10), nullable=True))
        batch_op.create_index("ix_events_status", ["status"])
        batch_op.add_column(
            sa.Column("date_order", sa.String(12), nullable=False, server_default="~~")
        )
        batch_op.create_index("ix_events_date_order", ["date_order", "id"])
    op.execute("UPDATE events SET date_order = date WHERE date IS NOT NULL")
    # The index leaves fixed values out now and reads U.S. as US: the next `flask seed` (every
    # start-up runs one) finds it empty and builds it again.
    op.execute("DELETE FROM search_index")
    op.execute("DELETE FROM search_words")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DELETE FROM search_rows")


def downgrade():
    # Only whole days go back into a date column: the others are lost.
    op.execute("UPDATE events SET date = NULL WHERE length(date) != 10 OR date LIKE '--%'")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_index("ix_events_date_order")
        batch_op.drop_column("date_order")
        batch_op.drop_index("ix_events_status")
        batch_op.drop_column("status")
        batch_op.alter_column(
            "date",
            type_=sa.Date(),
            existing_type=sa.String(10),
            existing_nullable=True,
            postgresql_using="date::date",
        )
    with op.batch_alter_table("commitments") as batch_op:
        batch_op.drop_column("currency")
    op.drop_index("ix_evidence_paragraph", table_name="evidence")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_index("ix_sources_sha256")
