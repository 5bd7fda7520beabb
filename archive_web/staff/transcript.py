"""Transcript correction: fix a line's words or speaker with the video beside it.

A corrected line keeps what the machine heard in ``original_text``, is marked ``corrected`` (the public page shows
it as checked by a person, and re-transcription keeps it), and is re-indexed so search finds the corrected words.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from storage.models import MemberRole, TranscriptSegment, utcnow

from .. import get_storage
from . import bp
from .common import child_or_404, form_errors, log_action, meeting_or_404, reindex_segment
from .forms import RetranscribeForm, SegmentForm
from .media import player_source

SEGMENTS_PER_PAGE = 150


def _speakers(meeting) -> list[str]:
    """Speaker suggestions: the committee's members, chair first."""
    order = {MemberRole.CHAIR: 0, MemberRole.COUNCILLOR: 1, MemberRole.OFFICER: 2}
    members = sorted((m for m in meeting.committee.members if m.active), key=lambda m: (order[m.role], m.name))
    return [m.name for m in members]


@bp.get("/meetings/<int:meeting_id>/transcript")
def transcript(meeting_id: int):
    storage = get_storage()
    page = max(1, request.args.get("page", 1, type=int))
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        base = select(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting_id)
        total = session.scalar(select(func.count()).select_from(base.subquery()))
        segments = session.scalars(base.order_by(TranscriptSegment.start, TranscriptSegment.position)
                                   .limit(SEGMENTS_PER_PAGE).offset((page - 1) * SEGMENTS_PER_PAGE)).all()
        return render_template("staff/transcript.html", meeting=found, segments=segments, page=page,
                               pages=max(1, -(-total // SEGMENTS_PER_PAGE)), total=total, speakers=_speakers(found),
                               source=player_source(storage, found), retranscribe_form=RetranscribeForm())


@bp.post("/meetings/<int:meeting_id>/transcript/<int:segment_id>")
def correct_segment(meeting_id: int, segment_id: int):
    form = SegmentForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        segment = child_or_404(session, TranscriptSegment, segment_id, found)
        if not form.validate():
            if wants_json:
                return jsonify({"error": "Bad Request", "message": form_errors(form)}), 400
            flash(form_errors(form), "error")
        else:
            text, speaker = form.text.data.strip(), (form.speaker.data or "").strip() or None
            if (text, speaker) != (segment.text, segment.speaker):
                if segment.original_text is None:
                    segment.original_text = segment.text
                before = segment.text
                segment.text, segment.speaker = text, speaker
                segment.corrected, segment.corrected_by, segment.corrected_at = True, current_user.id, utcnow()
                log_action(session, "correct", "transcript_segment", segment.id,
                           f"{found.title} at {segment.start:.1f} s: {before!r} → {text!r}"
                           + (f" (speaker {speaker})" if speaker else ""))
                reindex_segment(session, segment.id)
            if wants_json:
                return jsonify({"id": segment.id, "text": segment.text, "speaker": segment.speaker,
                                "corrected": segment.corrected})
            flash("Line saved.", "success")
        page = request.args.get("page", 1, type=int)
    return redirect(url_for("staff.transcript", meeting_id=meeting_id, page=page, _anchor=f"seg-{segment_id}"))
