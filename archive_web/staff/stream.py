"""Stream setup: what to type into the encoder, rotating the key, checking the encoder, ending the meeting."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, url_for

from storage.meetings import rotate_stream_credentials, stream_endpoints

from .. import get_storage
from . import bp
from .common import log_action, meeting_or_404
from .status import meeting_status

log = logging.getLogger(__name__)


def _end_meeting_service():
    """The ingest's "end now", or None where this installation runs without live ingest."""
    try:
        from streamer.service import end_meeting
    except ImportError:
        return None
    return end_meeting


@bp.get("/meetings/<int:meeting_id>/stream")
def stream_setup(meeting_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        return render_template("staff/stream.html", meeting=found, endpoints=stream_endpoints(found, storage.settings),
                               status=meeting_status(session, found), can_end=_end_meeting_service() is not None)


@bp.post("/meetings/<int:meeting_id>/stream/rotate")
def rotate_key(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if found.is_live:
            flash("The meeting is live: rotating the key now would cut the stream at the encoder's next reconnect. "
                  "Rotate it after the meeting.", "error")
        else:
            rotate_stream_credentials(found)
            log_action(session, "rotate_key", "meeting", found.id, found.title)
            flash("New stream key and SRT passphrase made. The old ones no longer work: update the encoder.",
                  "success")
    return redirect(url_for("staff.stream_setup", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/end")
def end_meeting_now(meeting_id: int):
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        if not found.is_live:
            flash(f"The meeting is not live (it is {found.status.value}), so there is nothing to end.", "error")
            return redirect(url_for("staff.meeting", meeting_id=meeting_id))
        log_action(session, "end", "meeting", found.id, found.title)
    end = _end_meeting_service()
    if end is None:
        flash("Live ingest is not installed on this server, so it cannot end the stream. Stop the encoder; the "
              "meeting ends by itself after the reconnect grace period.", "error")
    else:
        try:
            message = end(storage, meeting_id)
        except Exception as exc:  # the ingest's own error text is the most useful thing to show
            log.exception("ending meeting %s failed", meeting_id)
            flash(f"The stream could not be ended: {exc}. Stop the encoder, then try again.", "error")
        else:
            flash(str(message or "Meeting ended. The recording is being prepared and transcribed."), "success")
    return redirect(url_for("staff.meeting", meeting_id=meeting_id))
