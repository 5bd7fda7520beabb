"""Search routes: the HTML page (works without JavaScript) and the JSON API, both over ``storage.search``."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, jsonify, render_template, request
from sqlalchemy import select

from storage.models import Committee, Meeting
from storage.visibility import publicly_visible

from .. import get_storage
from . import bp
from .request import SearchRequest


def _run(search: SearchRequest):
    storage = get_storage()
    with storage.db.session() as session:
        committees = session.execute(select(Committee.slug, Committee.name).order_by(Committee.name)).all()
        if not search.q.strip() or search.errors:
            return None, committees
        return storage.search.search(session, search.q, **search.search_arguments()), committees


@bp.get("/search")
def search_page():
    search = SearchRequest.from_args(request.args)
    results, committees = _run(search)
    status = 400 if search.errors else 200
    return render_template("search/search.html", search=search, results=results, committees=committees), status


@bp.get("/api/v1/search")
def search_api():
    search = SearchRequest.from_args(request.args)
    if search.errors:
        return jsonify({"error": "Bad Request", "message": " ".join(search.errors.values()), "status": 400,
                        "fields": search.errors}), 400
    results, _ = _run(search)
    if results is None:
        return jsonify({"query": search.q, "total": 0, "took_ms": 0.0, "results": [],
                        "messages": ["Add ?q= with the words to search for."]})
    return jsonify(results.to_json())


@bp.get("/api/v1/meetings/<int:meeting_id>/search")
def search_in_meeting_api(meeting_id: int):
    """Every matching moment of one meeting in time order, for the meeting page's previous/next match buttons."""
    storage = get_storage()
    with storage.db.session() as session:
        if not publicly_visible(session.get(Meeting, meeting_id)):
            abort(404, description="There is no public meeting with that number.")
        hits = storage.search.search_in_meeting(session, meeting_id, request.args.get("q", "")[:2000])
    return jsonify({"meeting_id": meeting_id, "total": len(hits),
                    "hits": [asdict(hit) for hit in hits]})


@bp.app_template_filter("search_timestamp")
def search_timestamp(seconds: float | None) -> str:
    """Seconds into a meeting as a clock a viewer recognises: 1:02:03, or 2:03 under an hour."""
    total = int(seconds or 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
