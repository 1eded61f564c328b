"""Number the paragraph each evidence span is in (what a citation names)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00

A stored text's paragraphs are separated by blank lines; a span's paragraph is one more than
the blank lines before its start. Spans written from now on are numbered as they are written.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.add_column(sa.Column("paragraph", sa.Integer(), nullable=True))
    spans = op.get_bind().execute(
        sa.text(
            "SELECT evidence.id, evidence.start, sources.text FROM evidence "
            "JOIN sources ON sources.id = evidence.source_id"
        )
    )
    numbered = [
        {"id": span_id, "paragraph": text.count("\n\n", 0, start) + 1}
        for span_id, start, text in spans
    ]
    if numbered:
        op.get_bind().execute(
            sa.text("UPDATE evidence SET paragraph = :paragraph WHERE id = :id"), numbered
        )
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.alter_column("paragraph", existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table("evidence") as batch_op:
        batch_op.drop_column("paragraph")
