"""Search on SQLite: FTS5 with the Porter stemmer.

``search_entries_fts`` indexes each entry (kept in step with ``search_entries`` by triggers, so a meeting deleted
outright leaves nothing behind); ``search_meetings_fts`` holds one document per meeting, rowid = meeting id, for
matching and ranking whole meetings with FTS5's own BM25. Tables and triggers: migration ``0002_search_index``.
"""

from __future__ import annotations

from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from ..models import Meeting
from .index import (ENTRY_ID_STRIDE, KIND_OFFSETS, KINDS, EntryHit, Filters, Match, SearchIndex,
                    entry_range)
from .query import Query, Term, to_fts5, to_fts5_any
from .results import ELLIPSIS, MARK_END, MARK_START

SNIPPET_TOKENS = 24

_meetings_fts = table("search_meetings_fts", column("rowid"))

_REFRESH = text("""
INSERT INTO search_meetings_fts (rowid, body)
SELECT :meeting_id, group_concat(text, ' ')
FROM (SELECT text FROM search_entries WHERE id BETWEEN :low AND :high ORDER BY id)
HAVING count(*) > 0
""")

_PHRASE_SCORES = text("SELECT rowid, -bm25(search_meetings_fts) FROM search_meetings_fts "
                      "WHERE search_meetings_fts MATCH :match")

_SNIPPET = f"snippet(search_entries_fts, 0, :mark_start, :mark_end, :ellipsis, {SNIPPET_TOKENS})"
_MARKERS = {"mark_start": MARK_START, "mark_end": MARK_END, "ellipsis": ELLIPSIS}

# Ranking each meeting's entries with bm25() would make FTS5 count, for every meeting on the page, how many
# entries in the whole archive hold each word. Instead moments are taken in tiers - the phrase, then all the
# words, then any of them - each tier in time order, which needs only a seek into the meeting's id range.
_TIER_IN_RANGE = """SELECT * FROM (SELECT {tier} AS tier, :meeting_{n} AS meeting_id, rowid AS id
    FROM search_entries_fts WHERE search_entries_fts MATCH :tier_{tier} AND rowid BETWEEN :low_{n}_{kind}
    AND :high_{n}_{kind} LIMIT {limit})"""
_WITH_SNIPPETS = f"""
SELECT e.meeting_id, e.kind, e.ref_id, e.start, e."end", e.speaker, {_SNIPPET}
FROM search_entries_fts JOIN search_entries e ON e.id = search_entries_fts.rowid
WHERE search_entries_fts MATCH :match AND search_entries_fts.rowid IN ({{ids}})
"""

_MOMENTS = text(f"""
SELECT e.meeting_id, e.kind, e.ref_id, e.start, e."end", e.speaker, {_SNIPPET}
FROM search_entries_fts JOIN search_entries e ON e.id = search_entries_fts.rowid
WHERE search_entries_fts MATCH :match AND search_entries_fts.rowid BETWEEN :low AND :high
      AND e.kind = 'transcript'
ORDER BY e.start LIMIT :limit
""")


def _tiers(parsed: Query) -> list[str]:
    """MATCH expressions from most to least specific; the last (any term) matches every entry worth showing."""
    tiers = [to_fts5_any([parsed.adjacency_phrase])] if parsed.adjacency_phrase else []
    if len(parsed.groups) > 1:
        tiers.append(to_fts5(Query(parsed.groups)))
    return [*tiers, to_fts5_any(parsed.positive_terms)]


def _is_transcript(entry_id: int) -> bool:
    return entry_id % ENTRY_ID_STRIDE < KIND_OFFSETS["agenda"]


class SqliteSearchIndex(SearchIndex):
    def optimize(self, session: Session) -> None:
        # FTS5 adds a segment per transaction and merges them only in steps; 'optimize' merges them all into one.
        for fts in ("search_entries_fts", "search_meetings_fts"):
            session.execute(text(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')"))

    def _refresh_meeting(self, session: Session, meeting_id: int) -> None:
        self._forget_meeting(session, meeting_id)
        low, high = entry_range(meeting_id)
        session.execute(_REFRESH, {"meeting_id": meeting_id, "low": low, "high": high})

    def _forget_meeting(self, session: Session, meeting_id: int) -> None:
        session.execute(text("DELETE FROM search_meetings_fts WHERE rowid = :id"), {"id": meeting_id})

    def _match_meetings(self, session: Session, parsed: Query, filters: Filters) -> tuple[list[Match], list[str]]:
        # Materialised first: otherwise SQLite walks the meetings and re-runs the MATCH once for each of them.
        matched = (select(_meetings_fts.c.rowid.label("meeting_id"),
                          (-func.bm25(literal_column("search_meetings_fts"))).label("score"))
                   .where(text("search_meetings_fts MATCH :match")).cte("matched").prefix_with("MATERIALIZED"))
        stmt = filters.apply(select(Meeting.id, Meeting.scheduled_start, matched.c.score)
                             .join(matched, matched.c.meeting_id == Meeting.id))
        matches = [Match(*row) for row in session.execute(stmt, {"match": to_fts5(parsed)})]
        phrase = parsed.adjacency_phrase
        if phrase and matches:
            boost = dict(session.execute(_PHRASE_SCORES, {"match": to_fts5_any([phrase])}).all())
            for match in matches:
                match.score += boost.get(match.meeting_id, 0.0)
        return matches, []

    def _best_hits(self, session: Session, meeting_ids: list[int], parsed: Query,
                   limit: int) -> dict[int, list[EntryHit]]:
        tiers = _tiers(parsed)
        params: dict[str, object] = {f"tier_{tier}": match for tier, match in enumerate(tiers)}
        selects = []
        for n, meeting_id in enumerate(meeting_ids):
            params[f"meeting_{n}"] = meeting_id
            for kind in KINDS:
                params[f"low_{n}_{kind}"], params[f"high_{n}_{kind}"] = entry_range(meeting_id, kind)
            for tier in range(len(tiers)):
                selects.append(_TIER_IN_RANGE.format(tier=tier, n=n, kind="transcript", limit=limit))
            last = len(tiers) - 1
            selects += [_TIER_IN_RANGE.format(tier=last, n=n, kind=kind, limit=1) for kind in ("agenda", "paper")]
        rows = session.execute(text(" UNION ALL ".join(selects)), params).all()
        chosen: dict[int, list[int]] = {}
        for _tier, meeting_id, entry_id in sorted(rows):
            kept = chosen.setdefault(meeting_id, [])
            moments = sum(map(_is_transcript, kept))
            if entry_id not in kept and (moments < limit or not _is_transcript(entry_id)):
                kept.append(entry_id)
        ids = [entry_id for kept in chosen.values() for entry_id in kept]
        found: dict[int, list[EntryHit]] = {}
        if ids:
            statement = text(_WITH_SNIPPETS.format(ids=", ".join(str(int(i)) for i in ids)))
            for row in session.execute(statement, {"match": tiers[-1], **_MARKERS}):
                found.setdefault(row[0], []).append(EntryHit(*row))
        return found

    def _moments(self, session: Session, meeting_id: int, terms: list[Term], limit: int) -> list[EntryHit]:
        low, high = entry_range(meeting_id)
        params = {"match": to_fts5_any(terms), "low": low, "high": high, "limit": limit, **_MARKERS}
        return [EntryHit(*row) for row in session.execute(_MOMENTS, params)]
