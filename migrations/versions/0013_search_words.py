"""Keep the words of the search index in a table of their own, each once, written with the index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:40:00

A prefix's words and a typo's suggestions were looked up by reading every text of the index
once per data version (430 ms at 100,000 stances, after every write, in every worker).
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WORD = re.compile(r"\w+")
LONGEST = 100


def upgrade():
    words = op.create_table(
        "search_words",
        sa.Column("word", sa.String(LONGEST), nullable=False),
        sa.PrimaryKeyConstraint("word", name="pk_search_words"),
    )
    found = set()
    for (body,) in op.get_bind().execute(sa.text("SELECT body FROM search_index")):
        found.update(
            word.lower() for word in WORD.findall(body) if not word.isdigit() and len(word) <= LONGEST
        )
    if found:
        op.bulk_insert(words, [{"word": word} for word in sorted(found)])


def downgrade():
    op.drop_table("search_words")
