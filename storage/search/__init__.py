"""Full-text search across meetings' transcripts, agenda items and papers, on SQLite FTS5 or PostgreSQL.

``open_search_index(db)`` returns the implementation for the database; both share ``SearchIndex``'s interface:
``index_meeting``, ``remove_meeting``, ``index_segment``, ``search`` and ``search_in_meeting``.
"""

from __future__ import annotations

from .index import SearchIndex
from .papers import extract_text
from .query import Query, Term, parse_query
from .results import Hit, MeetingResult, SearchResults

__all__ = ["SearchIndex", "open_search_index", "extract_text", "parse_query", "Query", "Term", "Hit",
           "MeetingResult", "SearchResults"]


def open_search_index(db) -> SearchIndex:
    if db.dialect == "sqlite":
        from .sqlite import SqliteSearchIndex

        return SqliteSearchIndex(db)
    if db.dialect == "postgresql":
        from .postgres import PostgresSearchIndex

        return PostgresSearchIndex(db)
    raise ValueError(f"Search needs SQLite or PostgreSQL, not {db.dialect}; set CHAMBER_DATABASE_URL to one of them.")
