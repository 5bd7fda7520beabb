"""Feeds residents subscribe to: iCalendar files of upcoming meetings (all, per committee, one meeting) and an
Atom feed announcing new meetings and newly published transcripts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from flask import Response, render_template, request, url_for
from icalendar import Calendar, Event

from storage.models import Meeting, MeetingStatus, utcnow

from .. import get_storage
from . import bp, queries

# When a meeting has no recorded length yet, calendars show it as this long.
DEFAULT_LENGTH = timedelta(hours=2)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


def _event(meeting: Meeting, host: str, stamp: datetime) -> Event:
    url = url_for("public.meeting", meeting_id=meeting.id, _external=True)
    length = timedelta(seconds=meeting.duration_seconds) if meeting.duration_seconds else DEFAULT_LENGTH
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", _utc(meeting.scheduled_start))
    event.add("dtend", _utc(meeting.scheduled_start) + length)
    event.add("summary", meeting.title)
    event.add("url", url)
    if meeting.location:
        event.add("location", meeting.location)
    lines = [meeting.committee.name]
    if meeting.agenda_published:
        lines += [f"{item.number} {item.title}".strip() for item in meeting.agenda_items]
    lines.append(f"Watch live and read the papers: {url}")
    event.add("description", "\n".join(lines))
    if meeting.status == MeetingStatus.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def calendar_response(meetings: list[Meeting], name: str, filename: str) -> Response:
    host = urlparse(request.host_url).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Chamber//Council meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = _utc(utcnow())
    for meeting in meetings:
        calendar.add_component(_event(meeting, host, stamp))
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/calendar.ics")
def calendar_all():
    site = get_storage().settings.site_name
    with get_storage().db.session() as session:
        meetings = queries.upcoming_meetings(session, limit=None, with_agenda=True)
        return calendar_response(meetings, site, "meetings.ics")


@bp.get("/committees/<slug>/calendar.ics")
def calendar_committee(slug: str):
    with get_storage().db.session() as session:
        committee = queries.committee_or_404(session, slug)
        meetings = queries.upcoming_meetings(session, committee, limit=None, with_agenda=True)
        return calendar_response(meetings, committee.name, f"{committee.slug}.ics")


@bp.get("/meetings/<int:meeting_id>/calendar.ics")
def calendar_meeting(meeting_id: int):
    with get_storage().db.session() as session:
        meeting = queries.public_meeting_or_404(session, meeting_id)
        return calendar_response([meeting], meeting.title, f"meeting-{meeting.id}.ics")


@bp.get("/feeds/meetings.atom")
def atom():
    """One entry per newly published meeting and one per newly finished transcript, newest first."""
    with get_storage().db.session() as session:
        entries = [("meeting", m, m.created_at) for m in queries.newest_meetings(session)]
        entries += [("transcript", m, m.transcript.completed_at) for m in queries.newest_transcripts(session)]
        entries.sort(key=lambda entry: entry[2], reverse=True)
        host = urlparse(request.host_url).hostname or "localhost"
        body = render_template("public/feed.xml", entries=entries[:50], host=host,
                               updated=entries[0][2] if entries else utcnow())
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
