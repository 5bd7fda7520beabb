"""Chapters: "now discussing" clicks during a live meeting, and the editor that adjusts start times afterwards."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from storage.agenda import AgendaError, format_timestamp, parse_timestamp, set_chapter_start
from storage.models import AgendaItem

from .. import get_storage
from . import bp
from .common import child_or_404, log_action, meeting_or_404
from .media import player_source
from .status import meeting_status, stream_position


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/meetings/<int:meeting_id>/live")
def live_chapters(meeting_id: int):
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        return render_template("staff/live.html", meeting=found, status=meeting_status(session, found),
                               source=player_source(get_storage(), found))


@bp.post("/meetings/<int:meeting_id>/chapters/<int:item_id>/now")
def mark_now(meeting_id: int, item_id: int):
    """One click: the item starts at the current stream position."""
    with get_storage().db.session() as session:
        found = meeting_or_404(session, meeting_id)
        item = child_or_404(session, AgendaItem, item_id, found)
        position = stream_position(found) if found.is_live else None
        if position is None:
            message = "The meeting is not live, so there is no “now”. Use the chapter editor to set start times."
            if _wants_json():
                return jsonify({"error": "Conflict", "message": message}), 409
            flash(message, "error")
            return redirect(url_for("staff.chapters", meeting_id=meeting_id))
        set_chapter_start(item, position)
        log_action(session, "chapter", "agenda_item", item.id,
                   f"{found.title}: now discussing {item.number} {item.title} at {format_timestamp(position)}")
        if _wants_json():
            return jsonify({"item_id": item.id, "start_seconds": item.start_seconds})
        flash(f"Now discussing {item.number} {item.title} (from {format_timestamp(position)}).", "success")
    return redirect(url_for("staff.live_chapters", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/chapters", methods=["GET", "POST"])
def chapters(meeting_id: int):
    """Every item's start time in one form; an empty box clears the item's chapter."""
    storage = get_storage()
    with storage.db.session() as session:
        found = meeting_or_404(session, meeting_id)
        errors: dict[int, str] = {}
        if request.method == "POST":
            changes = []
            for item in found.agenda_items:
                field = f"start-{item.id}"
                if field not in request.form:
                    continue
                try:
                    seconds = parse_timestamp(request.form[field])
                    if seconds != item.start_seconds:
                        set_chapter_start(item, seconds)
                        changes.append(f"{item.number} {item.title} → {format_timestamp(seconds) or 'none'}")
                except AgendaError as exc:
                    errors[item.id] = str(exc)
            if errors:
                session.rollback()
                found = meeting_or_404(session, meeting_id)
            else:
                if changes:
                    log_action(session, "edit_chapters", "meeting", found.id, f"{found.title}: " + "; ".join(changes))
                flash("Chapter times saved." if changes else "No chapter times changed.", "success")
                return redirect(url_for("staff.chapters", meeting_id=meeting_id))
        return render_template("staff/chapters.html", meeting=found, errors=errors, form_values=request.form,
                               source=player_source(storage, found)), 400 if errors else 200
