"""Say who asserts each claim (basis, asserted_by), and keep reference knowledge apart

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00

Claims written before this revision get the attribution their shape implies: a stance or a
commitment is the article reporting its actor, a statement its speaker (`quoted` where it
carries a quote), a proposal or an event outcome the article's own. The seed brings its own
items up to date on its next run; an editor's item keeps this until an editor changes it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CLAIMS = ("proposals", "stances", "commitments", "events", "statements")
BACKFILL = {
    "proposals": ("'article'", "NULL"),
    "stances": ("'reported'", "actor_id"),
    "commitments": ("'reported'", "actor_id"),
    "events": ("'article'", "NULL"),
    "statements": ("CASE WHEN quote IS NULL THEN 'reported' ELSE 'quoted' END", "speaker_id"),
}


def upgrade():
    for table in CLAIMS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("basis", sa.String(length=20), nullable=True))
            batch_op.add_column(
                sa.Column("asserted_by_id", sa.String(length=100), nullable=True)
            )
            batch_op.create_foreign_key(
                f"fk_{table}_asserted_by_id_actors", "actors", ["asserted_by_id"], ["id"]
            )
            batch_op.create_index(f"ix_{table}_asserted_by_id", ["asserted_by_id"])
            batch_op.create_index(f"ix_{table}_basis", ["basis"])
        basis, asserted_by = BACKFILL[table]
        op.execute(f"UPDATE {table} SET basis = {basis}, asserted_by_id = {asserted_by}")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("basis", existing_type=sa.String(length=20), nullable=False)
    with op.batch_alter_table("statements") as batch_op:
        batch_op.alter_column("speaker_id", existing_type=sa.String(length=100), nullable=True)
    with op.batch_alter_table("actors") as batch_op:
        batch_op.add_column(
            sa.Column("reference_aliases", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("known_from", sa.String(length=20), nullable=False, server_default="article")
        )
    op.create_table(
        "group_reference_members",
        sa.Column("group_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["actors.id"],
            name=op.f("fk_group_reference_members_group_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["actors.id"], name=op.f("fk_group_reference_members_member_id_actors")
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_reference_members")),
    )


def downgrade():
    op.drop_table("group_reference_members")
    with op.batch_alter_table("actors") as batch_op:
        batch_op.drop_column("known_from")
        batch_op.drop_column("reference_aliases")
    op.execute("DELETE FROM statements WHERE speaker_id IS NULL")
    with op.batch_alter_table("statements") as batch_op:
        batch_op.alter_column("speaker_id", existing_type=sa.String(length=100), nullable=False)
    for table in CLAIMS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_basis")
            batch_op.drop_index(f"ix_{table}_asserted_by_id")
            batch_op.drop_constraint(f"fk_{table}_asserted_by_id_actors", type_="foreignkey")
            batch_op.drop_column("asserted_by_id")
            batch_op.drop_column("basis")
