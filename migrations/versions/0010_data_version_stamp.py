"""Stamp the data version with a random token, minted anew with every number, so that two
databases, or one restored from a backup, never share a cache key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 05:10:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_version") as batch_op:
        batch_op.add_column(sa.Column("stamp", sa.String(32), nullable=False, server_default=""))
    op.execute(sa.text("UPDATE data_version SET stamp = :stamp").bindparams(stamp=secrets.token_hex(8)))


def downgrade():
    with op.batch_alter_table("data_version") as batch_op:
        batch_op.drop_column("stamp")
