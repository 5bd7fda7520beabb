"""Search results as plain dataclasses, and the one place where matched text becomes HTML.

The databases mark matches with two private-use characters that indexed text can never contain (they are
stripped when text is indexed); the text is HTML-escaped first and only then are the markers turned into
``<mark>``, so a transcript line containing ``<script>`` is shown as text. PostgreSQL's parser would drop
anything that looks like an HTML tag, so it sees angle brackets as two more private-use characters, turned back
here before escaping.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from datetime import datetime

MARK_START = "\ue000"
MARK_END = "\ue001"
ANGLE_STAND_INS = "\ue002\ue003"
RESERVED_CHARS = MARK_START + MARK_END + ANGLE_STAND_INS
ELLIPSIS = "…"


def snippet_html(marked: str) -> str:
    marked = marked.replace(ANGLE_STAND_INS[0], "<").replace(ANGLE_STAND_INS[1], ">")
    return html.escape(marked, quote=False).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def hit_url(meeting_id: int, kind: str, ref_id: int, start: float | None) -> str:
    if kind == "agenda":
        return f"/meetings/{meeting_id}#item-{ref_id}"
    if kind == "paper":
        return f"/meetings/{meeting_id}/papers/{ref_id}"
    return f"/meetings/{meeting_id}?t={int(start or 0)}"


@dataclass
class Hit:
    """One moment (transcript), agenda item or paper that matched, with its highlighted text."""

    start: float | None
    end: float | None
    snippet_html: str
    url: str
    kind: str
    speaker: str | None = None


@dataclass
class MeetingResult:
    meeting_id: int
    title: str
    committee: str
    committee_slug: str
    scheduled_start: datetime
    score: float
    hits: list[Hit] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/meetings/{self.meeting_id}"

    @property
    def date(self) -> str:
        return self.scheduled_start.date().isoformat()

    def to_json(self) -> dict:
        return {"meeting_id": self.meeting_id, "title": self.title, "committee": self.committee,
                "committee_slug": self.committee_slug, "date": self.date, "url": self.url,
                "hits": [asdict(hit) for hit in self.hits]}


@dataclass
class SearchResults:
    query: str
    total: int
    took_ms: float
    page: int
    per_page: int
    sort: str
    results: list[MeetingResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict:
        return {"query": self.query, "total": self.total, "took_ms": round(self.took_ms, 1), "page": self.page,
                "per_page": self.per_page, "pages": self.pages, "sort": self.sort, "messages": self.messages,
                "results": [result.to_json() for result in self.results]}
