"""The transcript list of the meeting page, rendered in one pass over plain database rows and kept while it is
unchanged.

A three-hour meeting has about 2,500 segments. Rendering them through a Jinja loop escapes five values a line
and costs more than everything else on the page together; here only the words and the speaker are escaped
(times are numbers) and the lines are joined once. The markup is what a template would produce: each line is a
list item whose timestamp links to ``?t=`` so that it works without JavaScript.

A finished transcript changes only when staff correct a line (which stamps ``corrected_at``) or the meeting is
transcribed again (new segments, new ids), so the rendered list is cached per process under a version made of
the segment count, the highest id and the latest correction: one indexed aggregate query instead of 2,500 rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import TranscriptSegment

from .formatting import timestamp

CORRECTED_TAG = ' <span class="tag tag-green tag-small">Corrected</span>'
CACHED_TRANSCRIPTS = 16  # a long meeting renders to about 0.5 MB


@dataclass(frozen=True)
class RenderedTranscript:
    html: Markup
    lines: int
    corrected: int


_cache: OrderedDict[tuple, RenderedTranscript] = OrderedDict()
_lock = threading.Lock()


def _version(session: Session, meeting_id: int) -> tuple:
    row = session.execute(select(func.count(), func.max(TranscriptSegment.id), func.max(TranscriptSegment.corrected_at))
                          .where(TranscriptSegment.meeting_id == meeting_id)).one()
    return (meeting_id, *row)


def _render(session: Session, meeting_id: int) -> RenderedTranscript:
    rows = session.execute(
        select(TranscriptSegment.start, TranscriptSegment.text, TranscriptSegment.speaker,
               TranscriptSegment.corrected)
        .where(TranscriptSegment.meeting_id == meeting_id)
        .order_by(TranscriptSegment.start, TranscriptSegment.position)).all()
    parts, corrected = [], 0
    for start, text, speaker, was_corrected in rows:
        speaker_html = f'<span class="speaker">{escape(speaker)}:</span> ' if speaker else ""
        tag = CORRECTED_TAG if was_corrected else ""
        corrected += bool(was_corrected)
        parts.append(f'<li data-start="{start}"><a class="ts" href="?t={int(start)}#player">{timestamp(start)}</a> '
                     f'{speaker_html}{escape(text)}{tag}</li>')
    return RenderedTranscript(Markup("\n".join(parts)), len(rows), corrected)


def forget_rendered() -> None:
    """Drop every cached transcript (the benchmark uses it to measure a first view)."""
    with _lock:
        _cache.clear()


def render_transcript(session: Session, meeting_id: int) -> RenderedTranscript:
    version = _version(session, meeting_id)
    with _lock:
        if version in _cache:
            _cache.move_to_end(version)
            return _cache[version]
    rendered = _render(session, meeting_id)
    with _lock:
        _cache[version] = rendered
        while len(_cache) > CACHED_TRANSCRIPTS:
            _cache.popitem(last=False)
    return rendered
