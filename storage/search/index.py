"""The search index: what is indexed, how it is kept in step, and how a search runs. Databases differ only in the
few methods that ``SqliteSearchIndex`` and ``PostgresSearchIndex`` fill in.

Everything searchable in a meeting is copied into ``search_entries`` as one row per transcript segment, agenda
item and paper. A search works in two steps, because ranking every matching segment of a large archive for a
common word is too slow for a search box:

1. match and rank whole *meetings* against a meeting-level index (one document per meeting), so that a meeting
   where the words appear as a phrase, or often, ranks first;
2. for the meetings on the page only, find their best few entries and highlight them.

Entry ids are ``meeting_id * 2**24 + kind offset + n``, so one meeting's entries - and each kind of them - are
a contiguous id range that the entry index can seek to directly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, datetime, time as day_time, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from ..models import Committee, Meeting, TranscriptSegment
from ..visibility import only_public, publicly_visible
from .query import Query, Term, parse_query
from .results import RESERVED_CHARS, Hit, MeetingResult, SearchResults, hit_url, snippet_html

ENTRY_ID_STRIDE = 1 << 24
KINDS = ("transcript", "agenda", "paper")
KIND_OFFSETS = {"transcript": 0, "agenda": 1 << 22, "paper": 1 << 23}
HITS_PER_MEETING = 3
MAX_PER_PAGE = 50
MAX_MOMENTS_IN_MEETING = 500
SORTS = ("relevance", "date")

metadata = MetaData()

search_entries = Table(
    "search_entries", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("ref_id", Integer, nullable=False),
    Column("start", Float),
    Column("end", Float),
    Column("speaker", String(200)),
    Column("text", Text, nullable=False),
)
"""One searchable piece of a meeting (created by migration 0002_search_index, not by ``storage.models``)."""

_CLEAN = "replace(replace(replace(replace({}, :r0, ''), :r1, ''), :r2, ''), :r3, '')"
_CLEAN_PARAMS = {f"r{i}": char for i, char in enumerate(RESERVED_CHARS)}

# Segments first (in time order), then agenda items, then papers; agenda and papers only once published.
_INSERT_ENTRIES = text(f"""
INSERT INTO search_entries (id, meeting_id, kind, ref_id, start, "end", speaker, text)
SELECT :base + CASE sort_kind WHEN 0 THEN 0 WHEN 1 THEN {KIND_OFFSETS["agenda"]} ELSE {KIND_OFFSETS["paper"]} END
       + row_number() OVER (PARTITION BY sort_kind ORDER BY sort_key, ref_id),
       :meeting_id, kind, ref_id, start, "end", speaker, {_CLEAN.format("body")}
FROM (
    SELECT 0 AS sort_kind, s.start AS sort_key, s.id AS ref_id, 'transcript' AS kind, s.start AS start,
           s."end" AS "end", s.speaker AS speaker, s.text AS body
    FROM transcript_segments s WHERE s.meeting_id = :meeting_id
    UNION ALL
    SELECT 1, a.position, a.id, 'agenda', a.start_seconds, NULL, NULL,
           a.number || ' ' || a.title || ' ' || a.description
    FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
    WHERE a.meeting_id = :meeting_id AND m.agenda_published
    UNION ALL
    SELECT 2, d.id, d.id, 'paper', NULL, NULL, NULL, d.title || ' ' || d.text
    FROM documents d JOIN meetings m ON m.id = d.meeting_id
    WHERE d.meeting_id = :meeting_id AND m.agenda_published
) AS pieces
""")


def entry_range(meeting_id: int, kind: str | None = None) -> tuple[int, int]:
    """The ids of a meeting's entries, or of its entries of one kind."""
    base = meeting_id * ENTRY_ID_STRIDE
    if kind is None:
        return base + 1, base + ENTRY_ID_STRIDE - 1
    following = KINDS.index(kind) + 1
    end = KIND_OFFSETS[KINDS[following]] if following < len(KINDS) else ENTRY_ID_STRIDE
    return base + KIND_OFFSETS[kind] + 1, base + end - 1


@dataclass
class Match:
    meeting_id: int
    scheduled_start: datetime
    score: float


@dataclass
class EntryHit:
    """A matching entry as a database returns it, the snippet still carrying match markers."""

    meeting_id: int
    kind: str
    ref_id: int
    start: float | None
    end: float | None
    speaker: str | None
    marked: str


@dataclass(frozen=True)
class Filters:
    committee: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    meeting_id: int | None = None

    def apply(self, stmt: Select) -> Select:
        """Restrict a select over ``meetings`` to public meetings matching the filters."""
        stmt = only_public(stmt)
        if self.committee:
            stmt = stmt.where(Meeting.committee_id.in_(select(Committee.id).where(Committee.slug == self.committee)))
        if self.date_from:
            stmt = stmt.where(Meeting.scheduled_start >= datetime.combine(self.date_from, day_time.min))
        if self.date_to:
            stmt = stmt.where(Meeting.scheduled_start < datetime.combine(self.date_to + timedelta(days=1),
                                                                         day_time.min))
        if self.meeting_id is not None:
            stmt = stmt.where(Meeting.id == self.meeting_id)
        return stmt


def bm25(tf: float, df: int, length: float, documents: int, average_length: float,
         k1: float = 1.2, b: float = 0.75) -> float:
    """Okapi BM25 for one term in one document (Lucene's form, whose idf never goes negative)."""
    idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
    norm = 1 - b + b * (length / average_length if average_length else 1)
    return idf * tf * (k1 + 1) / (tf + k1 * norm)


class SearchIndex:
    """Search over every public meeting's transcript, agenda and papers. Not thread-bound: sessions are passed in."""

    def __init__(self, db):
        self.db = db

    # --- keeping the index in step ------------------------------------------------------------------------

    def index_meeting(self, session: Session, meeting_id: int) -> None:
        """(Re-)index everything a meeting has. Call after segments are written, edits, corrections,
        publishing or unpublishing the agenda, and re-transcription."""
        session.flush()
        session.execute(delete(search_entries).where(search_entries.c.meeting_id == meeting_id))
        session.execute(_INSERT_ENTRIES, {"base": meeting_id * ENTRY_ID_STRIDE, "meeting_id": meeting_id,
                                          **_CLEAN_PARAMS})
        self._refresh_meeting(session, meeting_id)

    def remove_meeting(self, session: Session, meeting_id: int) -> None:
        session.execute(delete(search_entries).where(search_entries.c.meeting_id == meeting_id))
        self._forget_meeting(session, meeting_id)

    def index_segment(self, session: Session, segment_id: int) -> None:
        """Re-index one transcript segment after a correction; the meeting's ranking follows."""
        session.flush()
        segment = session.get(TranscriptSegment, segment_id)
        if segment is None:
            return
        values = {"start": segment.start, "end": segment.end, "speaker": segment.speaker,
                  "text": segment.text.translate({ord(char): None for char in RESERVED_CHARS})}
        entry = (search_entries.c.kind == "transcript") & (search_entries.c.ref_id == segment_id)
        if not session.execute(update(search_entries).where(entry).values(**values)).rowcount:
            low, high = entry_range(segment.meeting_id, "transcript")
            last = session.scalar(select(func.max(search_entries.c.id))
                                  .where(search_entries.c.id.between(low, high))) or low - 1
            session.execute(insert(search_entries).values(id=last + 1, meeting_id=segment.meeting_id,
                                                          kind="transcript", ref_id=segment_id, **values))
        self._refresh_meeting(session, segment.meeting_id)

    def optimize(self, session: Session) -> None:
        """Compact the index after a bulk import, and nightly: searches read fewer, larger pieces afterwards.
        Takes seconds on a large archive; searches keep working meanwhile (writers wait on SQLite)."""
        raise NotImplementedError

    # --- searching ------------------------------------------------------------------------------------------

    def search(self, session: Session, query: str, *, committee: str | None = None, date_from: date | None = None,
               date_to: date | None = None, sort: str = "relevance", page: int = 1, per_page: int = 20,
               meeting_id: int | None = None) -> SearchResults:
        started = time.perf_counter()
        sort = sort if sort in SORTS else "relevance"
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        parsed = parse_query(query)
        results = SearchResults(query=query, total=0, took_ms=0.0, page=page, per_page=per_page, sort=sort,
                                messages=list(parsed.notices))
        if not parsed.is_empty:
            self._before_query(session)
            filters = Filters(committee, date_from, date_to, meeting_id)
            matches, messages = self._match_meetings(session, parsed, filters)
            results.messages.extend(messages)
            results.total = len(matches)
            shown = _sorted(matches, sort)[(page - 1) * per_page: page * per_page]
            results.results = self._meeting_results(session, shown, parsed)
            if not matches and not results.messages:
                results.messages.append("No public meetings matched. Check the spelling, use fewer words, "
                                        "or remove a filter.")
        results.took_ms = (time.perf_counter() - started) * 1000
        return results

    def search_in_meeting(self, session: Session, meeting_id: int, query: str) -> list[Hit]:
        """Every moment of one public meeting's transcript matching ``query``, in time order, for the player's
        next/previous match buttons."""
        parsed = parse_query(query)
        if parsed.is_empty or not publicly_visible(session.get(Meeting, meeting_id)):
            return []
        self._before_query(session)
        found = self._moments(session, meeting_id, parsed.positive_terms, MAX_MOMENTS_IN_MEETING)
        return [_hit(meeting_id, entry) for entry in found]

    def _meeting_results(self, session: Session, shown: list[Match], parsed: Query) -> list[MeetingResult]:
        if not shown:
            return []
        rows = session.execute(select(Meeting.id, Meeting.title, Committee.name, Committee.slug)
                               .join(Committee, Committee.id == Meeting.committee_id)
                               .where(Meeting.id.in_([m.meeting_id for m in shown]))).all()
        details = {row[0]: row[1:] for row in rows}
        best = self._best_hits(session, [match.meeting_id for match in shown], parsed, HITS_PER_MEETING)
        results = []
        for match in shown:
            title, committee, slug = details[match.meeting_id]
            hits = sorted((_hit(match.meeting_id, entry) for entry in best.get(match.meeting_id, [])),
                          key=lambda hit: (hit.kind != "transcript", hit.start if hit.start is not None else 0))
            results.append(MeetingResult(match.meeting_id, title, committee, slug, match.scheduled_start,
                                         match.score, hits))
        return results

    # --- what each database provides ------------------------------------------------------------------------

    def _before_query(self, session: Session) -> None:
        """Per-transaction settings a database wants before searching (none by default)."""

    def _refresh_meeting(self, session: Session, meeting_id: int) -> None:
        """Rebuild the meeting-level document from the meeting's entries."""
        raise NotImplementedError

    def _forget_meeting(self, session: Session, meeting_id: int) -> None:
        raise NotImplementedError

    def _match_meetings(self, session: Session, parsed: Query, filters: Filters) -> tuple[list[Match], list[str]]:
        """Public meetings matching the whole query with their relevance scores, and any notices for the user."""
        raise NotImplementedError

    def _best_hits(self, session: Session, meeting_ids: list[int], parsed: Query,
                   limit: int) -> dict[int, list[EntryHit]]:
        """For each meeting, its ``limit`` best transcript moments matching the query (the phrase first), and its
        best agenda item and paper."""
        raise NotImplementedError

    def _moments(self, session: Session, meeting_id: int, terms: list[Term], limit: int) -> list[EntryHit]:
        """One meeting's transcript entries matching any of ``terms``, in time order."""
        raise NotImplementedError


def _sorted(matches: list[Match], sort: str) -> list[Match]:
    if sort == "date":
        return sorted(matches, key=lambda m: (m.scheduled_start, m.score, m.meeting_id), reverse=True)
    return sorted(matches, key=lambda m: (round(m.score, 9), m.scheduled_start, m.meeting_id), reverse=True)


def _hit(meeting_id: int, entry: EntryHit) -> Hit:
    return Hit(start=entry.start, end=entry.end, snippet_html=snippet_html(entry.marked),
               url=hit_url(meeting_id, entry.kind, entry.ref_id, entry.start), kind=entry.kind,
               speaker=entry.speaker)
