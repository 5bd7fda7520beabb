"""A small generated archive whose search answers are known in advance.

Meetings (committee, date, visibility) and what they say:
- ``phrase_new``   Planning,  2026-01-10, public:  "bus lane" as a phrase at 12.4 s; "planned"; "parking".
- ``scattered``    Transport, 2026-02-10, public:  "bus" and "lane" far apart; "speed cameras".
- ``phrase_old``   Transport, 2025-06-01, public:  "bus lane" as a phrase; "cameras".
- ``private``      Planning,  2026-01-20, private: "bus lane", "secret".
- ``draft``        Planning,  2026-01-21, draft:   "bus lane", "draft".
- ``papers_only``  Planning,  2026-03-03, public:  no recording; agenda item "Allotment rents" and a PDF paper
                                                   saying "waiting list".
- ``hostile``      Transport, 2026-03-04, public:  a segment containing ``<script>`` and the word "tolled".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.models import AgendaItem, Committee, Document, Meeting, Transcript, TranscriptSegment, Visibility
from storage.search import extract_text

SEGMENTS = {
    "phrase_new": [(3.0, "Good evening and welcome to the Planning Committee."),
                   (12.4, "The bus lane on the high street will be extended to the station."),
                   (30.0, "We planned the new library for the old market site."),
                   (41.5, "Residents raised parking concerns at the consultation.")],
    "scattered": [(5.0, "A bus stopped outside the town hall this morning."),
                  (60.0, "The speed cameras on the ring road were discussed."),
                  (95.0, "Officers will repaint the cycle lane next spring.")],
    "phrase_old": [(7.0, "Enforcement cameras for the bus lane were approved.")],
    "private": [(1.0, "The secret bus lane plan was discussed in private.")],
    "draft": [(1.0, "A draft bus lane proposal for discussion.")],
    "papers_only": [],
    "hostile": [(2.0, "The bridge will be tolled <script>alert('x')</script> from May.")],
}
MEETINGS = {
    "phrase_new": ("planning", datetime(2026, 1, 10, 18), Visibility.PUBLIC),
    "scattered": ("transport", datetime(2026, 2, 10, 18), Visibility.PUBLIC),
    "phrase_old": ("transport", datetime(2025, 6, 1, 18), Visibility.PUBLIC),
    "private": ("planning", datetime(2026, 1, 20, 18), Visibility.PRIVATE),
    "draft": ("planning", datetime(2026, 1, 21, 18), Visibility.DRAFT),
    "papers_only": ("planning", datetime(2026, 3, 3, 18), Visibility.PUBLIC),
    "hostile": ("transport", datetime(2026, 3, 4, 18), Visibility.PUBLIC),
}
PAPER_TEXT = "The allotment waiting list now has 300 names on it."


def pdf_with_text(line: str) -> bytes:
    """A one-page PDF whose text layer says ``line`` (what a council's word processor would export)."""
    content = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Corpus:
    ids: dict[str, int]
    segment_ids: dict[tuple[str, float], int]
    agenda_item_id: int
    paper_id: int


def build_corpus(storage) -> Corpus:
    ids, segment_ids = {}, {}
    with storage.db.session() as session:
        committees = {slug: Committee(name=slug.title(), slug=slug) for slug in ("planning", "transport")}
        session.add_all(committees.values())
        for name, (slug, start, visibility) in MEETINGS.items():
            meeting = Meeting(committee=committees[slug], title=f"{slug.title()} meeting ({name})",
                              scheduled_start=start, visibility=visibility, agenda_published=True)
            session.add(meeting)
            session.flush()
            ids[name] = meeting.id
            if SEGMENTS[name]:
                transcript = Transcript(meeting_id=meeting.id, status="ready")
                session.add(transcript)
                session.flush()
                for position, (at, words) in enumerate(SEGMENTS[name]):
                    segment = TranscriptSegment(transcript_id=transcript.id, meeting_id=meeting.id,
                                                position=position, start=at, end=at + 8, text=words,
                                                speaker="Cllr Patel")
                    session.add(segment)
                    session.flush()
                    segment_ids[(name, at)] = segment.id
        item = AgendaItem(meeting_id=ids["papers_only"], position=1, number="4", title="Allotment rents",
                          description="Proposed increase in allotment rents from April.")
        session.add(item)
        session.flush()
        data = pdf_with_text(PAPER_TEXT)
        paper = Document(meeting_id=ids["papers_only"], agenda_item_id=item.id, title="Allotments report",
                         filename="allotments.pdf", content_type="application/pdf", size_bytes=len(data),
                         blob_key=f"meetings/{ids['papers_only']}/documents/allotments.pdf",
                         text=extract_text(data, "application/pdf"))
        session.add(paper)
        session.flush()
        for meeting_id in ids.values():
            storage.search.index_meeting(session, meeting_id)
        return Corpus(ids, segment_ids, item.id, paper.id)
