"""What the public site reads from the database. Every query goes through ``only_public``, so a draft or private
meeting cannot leak through a page, a feed or the API by a forgotten filter.

Lists load what their templates show in the same round trips (``selectinload``), and the transcript is read as
plain rows (``transcript.py``), not ORM objects: a three-hour meeting has thousands of segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from storage.models import (MAX_ID, AgendaItem, Committee, Meeting, MeetingStatus, Transcript,
                            TranscriptStatus, utcnow)
from storage.visibility import only_public, publicly_visible

LIVE_STATUSES = (MeetingStatus.LIVE, MeetingStatus.RECONNECTING)
PAST_STATUSES = (MeetingStatus.ENDED, MeetingStatus.PROCESSING, MeetingStatus.READY, MeetingStatus.FAILED)
PAGE_SIZE = 20


def public_meetings():
    return only_public(select(Meeting)).options(joinedload(Meeting.committee))


def live_meetings(session: Session) -> list[Meeting]:
    return list(session.scalars(public_meetings().where(Meeting.status.in_(LIVE_STATUSES))
                                .order_by(Meeting.started_at)))


def upcoming_meetings(session: Session, committee: Committee | None = None, limit: int | None = 10,
                      with_agenda: bool = False) -> list[Meeting]:
    query = (public_meetings().where(Meeting.status.in_([MeetingStatus.SCHEDULED, MeetingStatus.POSTPONED]),
                                     Meeting.scheduled_start >= utcnow())
             .order_by(Meeting.scheduled_start).limit(limit))
    if committee is not None:
        query = query.where(Meeting.committee_id == committee.id)
    if with_agenda:
        query = query.options(selectinload(Meeting.agenda_items))
    return list(session.scalars(query))


def recent_meetings(session: Session, limit: int = 10) -> list[Meeting]:
    query = (public_meetings().where(Meeting.status.in_(PAST_STATUSES))
             .order_by(Meeting.scheduled_start.desc()).limit(limit))
    return list(session.scalars(query))


def committees(session: Session) -> list[Committee]:
    return list(session.scalars(select(Committee).where(Committee.archived.is_(False)).order_by(Committee.name)))


def committee_or_404(session: Session, slug: str) -> Committee:
    committee = session.scalar(select(Committee).where(Committee.slug == slug))
    if committee is None:
        abort(404, description=f"There is no committee called {slug!r}. The list of committees is on the home page.")
    return committee


@dataclass
class MeetingPage:
    meetings: list[Meeting]
    page: int
    pages: int
    total: int


def committee_meetings(session: Session, committee: Committee, year: int | None, page: int) -> MeetingPage:
    """One page of a committee's public meetings, newest first, optionally within one calendar year."""
    query = only_public(select(Meeting)).where(Meeting.committee_id == committee.id)
    if year is not None:
        query = query.where(extract("year", Meeting.scheduled_start) == year)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    meetings = session.scalars(query.order_by(Meeting.scheduled_start.desc())
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return MeetingPage(list(meetings), page, pages, total)


def meeting_years(session: Session, committee: Committee) -> list[int]:
    year = extract("year", Meeting.scheduled_start)
    query = only_public(select(year).distinct()).where(Meeting.committee_id == committee.id).order_by(year.desc())
    return [int(value) for value in session.scalars(query)]


def public_meeting_or_404(session: Session, meeting_id: int) -> Meeting:
    """The meeting with everything its page shows: committee, agenda with papers, papers, transcript status."""
    meeting = None if meeting_id > MAX_ID else session.scalar(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.committee), joinedload(Meeting.transcript),
                 selectinload(Meeting.agenda_items).selectinload(AgendaItem.documents),
                 selectinload(Meeting.documents)))
    if not publicly_visible(meeting):
        abort(404, description="There is no public meeting at this address. It may not have been published yet.")
    return meeting


def newest_meetings(session: Session, limit: int = 30) -> list[Meeting]:
    return list(session.scalars(public_meetings().order_by(Meeting.created_at.desc()).limit(limit)))


def newest_transcripts(session: Session, limit: int = 30) -> list[Meeting]:
    """Public meetings whose transcript has been finished, the most recently finished first."""
    query = (public_meetings().join(Meeting.transcript).options(contains_eager(Meeting.transcript))
             .where(Transcript.status == TranscriptStatus.READY, Transcript.completed_at.is_not(None))
             .order_by(Transcript.completed_at.desc()).limit(limit))
    return list(session.scalars(query))
