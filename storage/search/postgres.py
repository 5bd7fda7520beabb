"""Search on PostgreSQL: ``tsvector`` with the ``english`` configuration and a GIN index.

Each entry has a stored, generated ``tsv`` column. Ranking whole meetings with ``ts_rank_cd`` would mean reading
every matching entry (a common word is in most meetings), and one ``tsvector`` per meeting cannot hold a long
meeting's word positions (PostgreSQL keeps at most 16,383). So the meeting level is a small table of term counts,
``search_meeting_terms`` (lexeme, meeting, occurrences, built with ``ts_stat``), ranked here with BM25; phrases
are checked against the entries' GIN index. Tables: migration ``0002_search_index``.
"""

from __future__ import annotations

from sqlalchemy import column, func, select, table, text
from sqlalchemy.orm import Session

from ..models import Meeting
from .index import EntryHit, Filters, Match, SearchIndex, bm25
from .query import Query, Term, to_tsquery_any
from .results import ANGLE_STAND_INS, MARK_END, MARK_START

_MARKS = f"StartSel={MARK_START}, StopSel={MARK_END}"
HEADLINE_OPTIONS = {"whole": f"{_MARKS}, HighlightAll=true",
                    "fragments": f'{_MARKS}, MaxWords=24, MinWords=10, ShortWord=2, MaxFragments=2, '
                                 f'FragmentDelimiter=" … "'}

_LEXEMES = text("SELECT w, tsvector_to_array(to_tsvector('english', w)) "
                "FROM unnest(CAST(:words AS text[])) AS w")
_WORD_POSTINGS = text("SELECT lexeme, meeting_id, tf FROM search_meeting_terms WHERE lexeme = ANY(:lexemes)")
_PHRASE_POSTINGS = text("SELECT meeting_id, count(*) FROM search_entries "
                        "WHERE tsv @@ to_tsquery('english', :match) GROUP BY meeting_id")
_PHRASE_POSTINGS_AMONG = text("SELECT meeting_id, count(*) FROM search_entries "
                              "WHERE tsv @@ to_tsquery('english', :match) AND meeting_id = ANY(:ids) "
                              "GROUP BY meeting_id")
_docs = table("search_meeting_docs", column("meeting_id"), column("length"))

# Short entries are shown whole; long ones (papers) as their best fragments. Angle brackets are swapped as in the
# ``tsv`` column, or ts_headline would drop "<script>" from what it shows.
_HEADLINE = """CASE WHEN length(e.text) <= 400
     THEN ts_headline('english', translate(e.text, '<>', :angles), q, :whole)
     ELSE ts_headline('english', translate(e.text, '<>', :angles), q, :fragments) END"""
# For the meetings on the page, each one's best transcript moments and its best agenda item and paper. The GIN
# index finds the matching entries of all of them in one pass.
_BEST_HITS = text(f"""
SELECT e.meeting_id, e.kind, e.ref_id, e.start, e."end", e.speaker, {_HEADLINE}
FROM (SELECT id, kind, rank, row_number() OVER (PARTITION BY meeting_id, kind ORDER BY rank DESC, id) AS place
      FROM (SELECT id, meeting_id, kind, ts_rank_cd(tsv, q) AS rank
            FROM search_entries, to_tsquery('english', :match) AS q
            WHERE meeting_id = ANY(CAST(:ids AS integer[])) AND tsv @@ q) AS matching) AS ranked
JOIN search_entries e ON e.id = ranked.id, to_tsquery('english', :match) AS q
WHERE ranked.place <= CASE WHEN ranked.kind = 'transcript' THEN :limit ELSE 1 END
ORDER BY e.meeting_id, ranked.rank DESC, e.id
""")
_MOMENTS = text(f"""
SELECT e.meeting_id, e.kind, e.ref_id, e.start, e."end", e.speaker, {_HEADLINE}
FROM search_entries e, to_tsquery('english', :match) AS q
WHERE e.meeting_id = :meeting_id AND e.kind = 'transcript' AND e.tsv @@ q
ORDER BY e.start LIMIT :limit
""")

TOO_COMMON = "Words such as {words} are too common to search for, so they were left out."


class PostgresSearchIndex(SearchIndex):
    def _before_query(self, session: Session) -> None:
        # The planner's cost estimates for ranking and headlines are high enough to trigger JIT compilation,
        # which takes longer than the whole search.
        session.execute(text("SET LOCAL jit = off"))

    def optimize(self, session: Session) -> None:
        # New rows wait in the GIN index's pending list, which every search scans; merge it, refresh statistics.
        session.execute(text("SELECT gin_clean_pending_list('ix_search_entries_tsv')"))
        for name in ("search_entries", "search_meeting_terms", "search_meeting_docs"):
            session.execute(text(f"ANALYZE {name}"))

    def _refresh_meeting(self, session: Session, meeting_id: int) -> None:
        self._forget_meeting(session, meeting_id)
        # ts_stat takes the text of a query; the meeting id is an int, so formatting it in is safe.
        stat_query = f"SELECT tsv FROM search_entries WHERE meeting_id = {int(meeting_id)}"
        session.execute(text("INSERT INTO search_meeting_terms (lexeme, meeting_id, tf) "
                             "SELECT word, :meeting_id, nentry FROM ts_stat(:stat_query)"),
                        {"meeting_id": meeting_id, "stat_query": stat_query})
        session.execute(text("INSERT INTO search_meeting_docs (meeting_id, length) "
                             "SELECT :meeting_id, sum(tf) FROM search_meeting_terms WHERE meeting_id = :meeting_id "
                             "HAVING count(*) > 0"), {"meeting_id": meeting_id})

    def _forget_meeting(self, session: Session, meeting_id: int) -> None:
        for name in ("search_meeting_terms", "search_meeting_docs"):
            session.execute(text(f"DELETE FROM {name} WHERE meeting_id = :id"), {"id": meeting_id})

    def _match_meetings(self, session: Session, parsed: Query, filters: Filters) -> tuple[list[Match], list[str]]:
        postings = self._postings(session, [*parsed.positive_terms, *parsed.excluded])
        candidates: set[int] | None = None
        too_common: list[str] = []
        scored_terms: list[Term] = []
        for group in parsed.groups:
            usable = [term for term in group if postings[term] is not None]
            too_common += [" ".join(term.words) for term in group if postings[term] is None]
            if not usable:
                continue
            scored_terms += usable
            found = set().union(*(postings[term] for term in usable))
            candidates = found if candidates is None else candidates & found
        messages = [TOO_COMMON.format(words=", ".join(f"“{w}”" for w in too_common))] if too_common else []
        if candidates is None:
            return [], messages
        for term in parsed.excluded:
            candidates -= set(postings[term] or ())
        if not candidates:
            return [], messages
        # Every public meeting the filters allow, with its length and the archive's BM25 statistics, in one query.
        public = session.execute(filters.apply(
            select(Meeting.id, Meeting.scheduled_start, _docs.c.length,
                   select(func.count()).select_from(_docs).scalar_subquery(),
                   select(func.avg(_docs.c.length)).scalar_subquery())
            .join(_docs, _docs.c.meeting_id == Meeting.id))).all()
        visible = [row for row in public if row[0] in candidates]
        if not visible:
            return [], messages
        phrase = parsed.adjacency_phrase
        if phrase:
            postings[phrase] = self._phrase_postings(session, phrase, [row[0] for row in visible])
            scored_terms.append(phrase)
        documents, average = visible[0][3], float(visible[0][4])
        return [Match(meeting_id, start, sum(bm25(posting[meeting_id], len(posting), length, documents, average)
                                             for posting in (postings[term] for term in scored_terms)
                                             if meeting_id in posting))
                for meeting_id, start, length, _, _ in visible], messages

    def _postings(self, session: Session, terms: list[Term]) -> dict[Term, dict[int, float] | None]:
        """Each term's meetings and how often it occurs in each; None for a term made only of stop words."""
        words = sorted({word for term in terms for word in term.words})
        lexemes = dict(session.execute(_LEXEMES, {"words": words}).all())
        single = {term: lexemes[term.words[0]][0] for term in terms
                  if len(term.words) == 1 and len(lexemes[term.words[0]]) == 1}
        by_lexeme: dict[str, dict[int, float]] = {lexeme: {} for lexeme in single.values()}
        for lexeme, meeting_id, tf in session.execute(_WORD_POSTINGS, {"lexemes": list(by_lexeme)}):
            by_lexeme[lexeme][meeting_id] = tf
        postings: dict[Term, dict[int, float] | None] = {}
        for term in terms:
            if term in single:
                postings[term] = by_lexeme[single[term]]
            elif any(lexemes[word] for word in term.words):
                postings[term] = self._phrase_postings(session, term)
            else:
                postings[term] = None
        return postings

    def _phrase_postings(self, session: Session, term: Term, among: list[int] | None = None) -> dict[int, float]:
        """Meetings with ``term`` as a phrase in one entry, and in how many entries."""
        params = {"match": to_tsquery_any([term])}
        if among is None:
            return dict(session.execute(_PHRASE_POSTINGS, params).all())
        return dict(session.execute(_PHRASE_POSTINGS_AMONG, {**params, "ids": among}).all())

    def _best_hits(self, session: Session, meeting_ids: list[int], parsed: Query,
                   limit: int) -> dict[int, list[EntryHit]]:
        params = {"match": to_tsquery_any(parsed.ranked_terms), "ids": meeting_ids, "limit": limit,
                  **HEADLINE_OPTIONS, "angles": ANGLE_STAND_INS}
        found: dict[int, list[EntryHit]] = {}
        for row in session.execute(_BEST_HITS, params):
            found.setdefault(row[0], []).append(EntryHit(*row))
        return found

    def _moments(self, session: Session, meeting_id: int, terms: list[Term], limit: int) -> list[EntryHit]:
        params = {"match": to_tsquery_any(terms), "meeting_id": meeting_id, "limit": limit, **HEADLINE_OPTIONS,
                  "angles": ANGLE_STAND_INS}
        return [EntryHit(*row) for row in session.execute(_MOMENTS, params)]
