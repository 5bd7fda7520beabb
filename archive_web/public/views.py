"""Public page views."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from storage.models import Committee, Meeting, MeetingStatus, Visibility, utcnow

from .. import get_storage
from . import bp


@bp.get("/")
def home():
    storage = get_storage()
    with storage.db.session() as session:
        public = select(Meeting).where(Meeting.visibility == Visibility.PUBLIC)
        live = session.scalars(public.where(Meeting.status.in_([MeetingStatus.LIVE, MeetingStatus.RECONNECTING]))).all()
        upcoming = session.scalars(public.where(Meeting.status == MeetingStatus.SCHEDULED,
                                                Meeting.scheduled_start >= utcnow())
                                   .order_by(Meeting.scheduled_start).limit(10)).all()
        recent = session.scalars(public.where(Meeting.status.in_([MeetingStatus.READY, MeetingStatus.ENDED,
                                                                  MeetingStatus.PROCESSING]))
                                 .order_by(Meeting.scheduled_start.desc()).limit(10)).all()
        committees = session.scalars(select(Committee).where(Committee.archived.is_(False))
                                     .order_by(Committee.name)).all()
        return render_template("public/home.html", live=live, upcoming=upcoming, recent=recent, committees=committees)
