"""``/api/v1`` routes for committees, meetings and transcripts. Malformed filters get a 400 that says what is
accepted; meetings the public may not see answer 404, exactly like meetings that do not exist."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from sqlalchemy import func, select

from storage.models import Committee, Meeting, MeetingStatus, TranscriptSegment, TranscriptStatus

from .. import get_storage
from ..media import meeting_media
from ..public import queries
from . import bp
from .openapi import openapi_document
from .records import committee_record, meeting_detail, meeting_summary, segment_record

MAX_PER_PAGE = 100
STATUSES = [status.value for status in MeetingStatus]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/committees")
def committees():
    with get_storage().db.session() as session:
        found = session.scalars(select(Committee).order_by(Committee.name))
        return jsonify({"committees": [committee_record(c) for c in found]})


@bp.get("/meetings")
def meetings():
    """Public meetings, newest first, optionally of one status and one committee."""
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    query = queries.public_meetings()
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            abort(400, description=f"status must be one of: {', '.join(STATUSES)}.")
        query = query.where(Meeting.status == MeetingStatus(status))
    committee = request.args.get("committee")
    if committee:
        query = query.join(Meeting.committee).where(Committee.slug == committee)
    with get_storage().db.session() as session:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        found = session.scalars(query.order_by(Meeting.scheduled_start.desc(), Meeting.id.desc())
                                .limit(per_page).offset((page - 1) * per_page))
        body = {"meetings": [meeting_summary(m) for m in found], "page": page, "per_page": per_page, "total": total}
    if page * per_page < total:
        body["next"] = url_for("api.meetings", **{**request.args, "page": page + 1}, _external=True)
    return jsonify(body)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = queries.public_meeting_or_404(session, meeting_id)
        ready = found.transcript is not None and found.transcript.status == TranscriptStatus.READY
    return jsonify(meeting_detail(found, meeting_media(storage, found, ready)))


@bp.get("/meetings/<int:meeting_id>/transcript.json")
def transcript(meeting_id: int):
    """The transcript's segments with word timings, in order."""
    with get_storage().db.session() as session:
        found = queries.public_meeting_or_404(session, meeting_id)
        if found.transcript is None or found.transcript.status != TranscriptStatus.READY:
            abort(404, description="This meeting has no finished transcript yet; its record at "
                                   f"/api/v1/meetings/{meeting_id} says how far it has got.")
        segments = session.scalars(select(TranscriptSegment).where(TranscriptSegment.meeting_id == meeting_id)
                                   .order_by(TranscriptSegment.start, TranscriptSegment.position))
        return jsonify([segment_record(s) for s in segments])
