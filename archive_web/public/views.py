"""Public pages: home, live now, a committee's meetings and the meeting page with player, agenda and transcript."""

from __future__ import annotations

import math

from flask import abort, redirect, render_template, request, url_for

from storage.models import TranscriptStatus

from .. import get_storage
from ..media import meeting_media, media_url
from . import bp, queries
from .status import meeting_notice, transcript_notice
from .transcript import render_transcript


@bp.get("/")
def home():
    with get_storage().db.session() as session:
        return render_template("public/home.html", live=queries.live_meetings(session),
                               upcoming=queries.upcoming_meetings(session, limit=6, with_agenda=True),
                               recent=queries.recent_meetings(session), committees=queries.committees(session))


@bp.get("/live")
def live():
    """Straight to the meeting when one is live; otherwise say so and list what is coming up."""
    with get_storage().db.session() as session:
        meetings = queries.live_meetings(session)
        if len(meetings) == 1:
            return redirect(url_for("public.meeting", meeting_id=meetings[0].id))
        return render_template("public/live.html", live=meetings,
                               upcoming=queries.upcoming_meetings(session, limit=3))


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, description=f"?{name}= must be a whole number between {low} and {high}.")
    return int(raw)


@bp.get("/committees/<slug>")
def committee(slug: str):
    year = _int_arg("year", None, 1900, 2999)
    page = _int_arg("page", 1, 1, 100_000)
    with get_storage().db.session() as session:
        found = queries.committee_or_404(session, slug)
        return render_template("public/committee.html", committee=found, year=year,
                               years=queries.meeting_years(session, found),
                               listing=queries.committee_meetings(session, found, year, page),
                               upcoming=queries.upcoming_meetings(session, found, limit=3))


def start_time(raw: str | None) -> float:
    """``?t=`` as seconds; a value that is not a time starts at the beginning rather than failing the page."""
    try:
        value = float(raw or 0)
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def view_count(storage, meeting_id: int) -> int | None:
    """"N people watched", where the council has switched it on and the analytics package is installed."""
    try:
        from ..analytics import public_view_count
    except ImportError:
        return None
    return public_view_count(storage, meeting_id)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = queries.public_meeting_or_404(session, meeting_id)
        transcript = found.transcript
        ready = transcript is not None and transcript.status == TranscriptStatus.READY
        transcript_html = render_transcript(session, found.id) if ready else None
    media = meeting_media(storage, found, ready)
    agenda = found.agenda_items if found.agenda_published else []
    papers = [doc for doc in found.documents if doc.agenda_item_id is None] if found.agenda_published else []
    return render_template(
        "public/meeting.html", meeting=found, agenda=agenda, papers=papers, transcript=transcript_html,
        media=media, media_url=media_url, watched=view_count(storage, found.id),
        start=start_time(request.args.get("t")), notice=meeting_notice(found, bool(media.hls)),
        transcript_notice=transcript_notice(transcript, found))
