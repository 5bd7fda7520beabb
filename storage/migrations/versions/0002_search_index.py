"""Search index: one row per searchable piece of a meeting, plus each database's full-text structures.

SQLite: FTS5 tables with the Porter stemmer, kept in step with ``search_entries`` by triggers.
PostgreSQL: a generated ``tsvector`` column (``english``) with a GIN index, and per-meeting term counts.
See ``storage.search`` for how they are used.

Revision ID: 0002_search_index
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_search_index"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE search_entries_fts USING fts5(text, content='search_entries', content_rowid='id', "
    f"tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE search_meetings_fts USING fts5(body, tokenize='{TOKENIZER}')",
    # Merge segments as soon as two share a level (default four): each meeting indexed adds segments, and every
    # search reads all of them.
    "INSERT INTO search_entries_fts (search_entries_fts, rank) VALUES ('automerge', 2)",
    "INSERT INTO search_meetings_fts (search_meetings_fts, rank) VALUES ('automerge', 2)",
    """CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN
         INSERT INTO search_entries_fts (rowid, text) VALUES (new.id, new.text);
       END""",
    """CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN
         INSERT INTO search_entries_fts (search_entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
       END""",
    """CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN
         INSERT INTO search_entries_fts (search_entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
         INSERT INTO search_entries_fts (rowid, text) VALUES (new.id, new.text);
       END""",
    """CREATE TRIGGER search_meetings_deleted AFTER DELETE ON meetings BEGIN
         DELETE FROM search_meetings_fts WHERE rowid = old.id;
       END""",
]

POSTGRES_DDL = [
    # Angle brackets become private-use characters first, or the parser drops "<script>" as an HTML tag.
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', translate(text, '<>', U&'\\E002\\E003'))) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
    """CREATE TABLE search_meeting_terms (
         lexeme text NOT NULL,
         meeting_id integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
         tf integer NOT NULL,
         PRIMARY KEY (lexeme, meeting_id))""",
    "CREATE INDEX ix_search_meeting_terms_meeting ON search_meeting_terms (meeting_id)",
    """CREATE TABLE search_meeting_docs (
         meeting_id integer PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
         length integer NOT NULL)""",
]


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float()),
        sa.Column("end", sa.Float()),
        sa.Column("speaker", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_search_entries_meeting", "search_entries", ["meeting_id"])
    op.create_index("ix_search_entries_ref", "search_entries", ["kind", "ref_id"])
    for statement in SQLITE_DDL if op.get_bind().dialect.name == "sqlite" else POSTGRES_DDL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_meetings_deleted")
        op.execute("DROP TABLE IF EXISTS search_entries_fts")
        op.execute("DROP TABLE IF EXISTS search_meetings_fts")
    else:
        op.execute("DROP TABLE IF EXISTS search_meeting_terms")
        op.execute("DROP TABLE IF EXISTS search_meeting_docs")
    op.drop_index("ix_search_entries_ref", table_name="search_entries")
    op.drop_index("ix_search_entries_meeting", table_name="search_entries")
    op.drop_table("search_entries")
