"""Say in each change who wrote it as the public may see it: the role of the token (editor,
admin) or the server's own writer (cli:seed, cli:import, cli:retire), not the token's name

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("changes") as batch_op:
        batch_op.add_column(sa.Column("writer", sa.String(20), nullable=False, server_default="editor"))
    op.execute("UPDATE changes SET writer = token_name WHERE token_name LIKE 'cli:%'")
    op.execute("UPDATE changes SET writer = 'admin' WHERE token_name = 'admin (API_ADMIN_TOKEN)'")
    op.execute(
        "UPDATE changes SET writer = (SELECT role FROM api_tokens WHERE api_tokens.name = "
        "changes.token_name) WHERE token_name IN (SELECT name FROM api_tokens)"
    )


def downgrade():
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_column("writer")
