"""Create the full-text search index (SQLite FTS5, PostgreSQL tsvector + GIN)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:45:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE TABLE search_index (
                type varchar(20) NOT NULL,
                item_id varchar(100) NOT NULL,
                label text NOT NULL,
                body text NOT NULL,
                document tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', label), 'A')
                    || setweight(to_tsvector('english', body), 'B')
                ) STORED,
                CONSTRAINT pk_search_index PRIMARY KEY (type, item_id)
            )
            """
        )
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "type UNINDEXED, item_id UNINDEXED, label, body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )


def downgrade():
    op.execute("DROP TABLE search_index")
