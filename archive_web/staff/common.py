"""Small things every staff view needs: loading a record or answering 404, the audit call, the search index."""

from __future__ import annotations

import logging

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import Session

from storage import audit
from storage.models import Committee, Meeting

from .. import get_storage

log = logging.getLogger(__name__)


def meeting_or_404(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404, f"There is no meeting {meeting_id}. It may have been deleted; see the list of meetings.")
    return meeting


def committee_or_404(session: Session, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        abort(404, f"There is no committee {committee_id}; see the list of committees.")
    return committee


def child_or_404(session: Session, model, child_id: int, meeting: Meeting):
    """An agenda item, paper or segment that must belong to the meeting named in the URL."""
    child = session.get(model, child_id)
    if child is None or child.meeting_id != meeting.id:
        abort(404, "That item is not part of this meeting; reload the meeting's page.")
    return child


def log_action(session: Session, action: str, target_type: str, target_id: int | None, detail: str = "") -> None:
    audit.record(session, current_user, action, target_type, target_id, detail)


def reindex_meeting(session: Session, meeting_id: int) -> None:
    session.flush()
    get_storage().search.index_meeting(session, meeting_id)


def reindex_segment(session: Session, segment_id: int) -> None:
    session.flush()
    get_storage().search.index_segment(session, segment_id)


def remove_from_index(session: Session, meeting_id: int) -> None:
    get_storage().search.remove_meeting(session, meeting_id)


def form_errors(form) -> str:
    return " ".join(f"{getattr(form, name).label.text}: {' '.join(errors)}" for name, errors in form.errors.items())
